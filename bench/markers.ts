/**
 * The marker files the bench pack's actions write into MARKER_DIR, named by ATTUNE_EXEC_ID: t.ID ("start exit",
 * ns since the epoch), and for trap_term.sh start.ID, pid.ID and term.ID.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { nsToMs, until } from './stats';

export function readMarker(markerDir: string, id: number | string): { start: number; exit: number } {
  const [start, exit] = readFileSync(path.join(markerDir, `t.${id}`), 'utf8').trim().split(' ');
  return { start: nsToMs(start!), exit: nsToMs(exit!) };
}

/** Until trap_term.sh has started (its `sleep` child runs). */
export async function waitStarted(markerDir: string, id: number | string): Promise<void> {
  await until(() => (existsSync(path.join(markerDir, `start.${id}`)) ? true : undefined), 60_000, `start of ${id}`);
}

/** Until trap_term.sh's TERM trap has written its line; then when the trap ran. */
export async function waitTermMs(markerDir: string, id: number | string): Promise<number> {
  const file = path.join(markerDir, `term.${id}`);
  await until(() => (existsSync(file) && readFileSync(file, 'utf8').endsWith('\n') ? true : undefined), 60_000, `TERM of ${id}`, 2);
  return nsToMs(readFileSync(file, 'utf8'));
}

export const readPid = (markerDir: string, id: number | string): number => Number(readFileSync(path.join(markerDir, `pid.${id}`), 'utf8'));
