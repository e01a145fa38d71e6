/** The soak's command line. */
import path from 'node:path';
import { DEFAULT_OUT_DIR } from './report';

export interface ChaosOptions {
  short: boolean;
  outDir: string;
  help: boolean;
}

export const USAGE = `usage: npm run chaos [-- --short] [-- --out DIR]
  --short    >= 100 executions, every fault once but the long Temporal outage (< 10 min): CI's step
  --out DIR  write DIR/<ISO date>[-short].json and DIR/latest[-short].json (default chaos/results; only a run
             into chaos/results also rewrites its table in chaos/README.md)
  --help     this text
Exits 1 when an execution is lost, ran twice or is stuck.
`;

export function parseOptions(argv: string[]): ChaosOptions {
  const outIdx = argv.indexOf('--out');
  return {
    short: argv.includes('--short'),
    outDir: path.resolve(outIdx >= 0 && argv[outIdx + 1] ? argv[outIdx + 1]! : DEFAULT_OUT_DIR),
    help: argv.includes('--help'),
  };
}
