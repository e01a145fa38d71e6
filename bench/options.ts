/** The bench's command line. */
import path from 'node:path';

export interface BenchOptions {
  /** Fewer iterations, every figure (quick-check.sh). */
  quick: boolean;
  outDir: string;
  /** Only build (or find in the cache) the agent bundle, then exit. */
  prepareBundle: boolean;
  help: boolean;
}

export const DEFAULT_OUT_DIR = path.join(__dirname, 'results');

export const USAGE = `usage: npm run bench [-- --quick] [-- --out DIR]
       npm run bench -- --prepare-bundle
  --quick           fewer iterations (< 2 min), every figure
  --out DIR         write DIR/<ISO date>.json, DIR/latest.{json,svg,md} (default bench/results;
                    only a full run into bench/results also rewrites the tables in bench/README.md)
  --prepare-bundle  build the agent bundle into its cache (not a measurement), then exit
  --help            this text
`;

export function parseOptions(argv: string[]): BenchOptions {
  const outIdx = argv.indexOf('--out');
  return {
    quick: argv.includes('--quick'),
    outDir: path.resolve(outIdx >= 0 && argv[outIdx + 1] ? argv[outIdx + 1]! : DEFAULT_OUT_DIR),
    prepareBundle: argv.includes('--prepare-bundle'),
    help: argv.includes('--help'),
  };
}
