/** Progress lines on stderr, timestamped; stdout stays free. */
export const log = (line: string): void => {
  process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};
