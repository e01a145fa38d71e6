/** The bench's command line. */
import path from 'node:path';

export interface BenchOptions {
  /** Fewer iterations, every figure (quick-check.sh). */
  quick: boolean;
  outDir: string;
  /** Only build (or find in the cache) the agent bundle, then exit. */
  prepareBundle: boolean;
  /** `--backlog N`: the backlog scenario's size instead of the mode's (0 skips it). */
  backlog: number | undefined;
  help: boolean;
}

export const DEFAULT_OUT_DIR = path.join(__dirname, 'results');

export const USAGE = `usage: npm run bench [-- --quick] [-- --out DIR] [-- --backlog N]
       npm run bench -- --prepare-bundle
  --quick           fewer iterations (< 2 min), every figure
  --out DIR         write DIR/<ISO date>.json, DIR/latest.{json,svg,md} (default bench/results;
                    only a full run into bench/results also rewrites the tables in bench/README.md)
  --backlog N       dispatches in the backlog scenario (default 10 000, 50 with --quick; 0 skips it)
  --prepare-bundle  build the agent bundle into its cache (not a measurement), then exit
  --help            this text
`;

export function parseOptions(argv: string[]): BenchOptions {
  const outIdx = argv.indexOf('--out');
  const backlogIdx = argv.indexOf('--backlog');
  const backlog = backlogIdx >= 0 ? Number(argv[backlogIdx + 1]) : undefined;
  if (backlog !== undefined && !(Number.isInteger(backlog) && backlog >= 0)) throw new Error(`--backlog wants a count ≥ 0, got ${argv[backlogIdx + 1]}`);
  return {
    quick: argv.includes('--quick'),
    outDir: path.resolve(outIdx >= 0 && argv[outIdx + 1] ? argv[outIdx + 1]! : DEFAULT_OUT_DIR),
    prepareBundle: argv.includes('--prepare-bundle'),
    backlog,
    help: argv.includes('--help'),
  };
}
