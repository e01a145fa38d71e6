/** Progress lines on stderr, timestamped; stdout stays free. */
export const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};
