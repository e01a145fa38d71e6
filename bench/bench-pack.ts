/** The bench's own pack (bench/packs/bench): the actions every scenario runs. */
import { cpSync } from 'node:fs';
import path from 'node:path';
import { ensureAction } from '../src/demo/sample-pack';
import type { TestDeployment } from '../test/helpers/deployment';

const BENCH_PACK = path.join(__dirname, 'packs', 'bench');

/** The scripts themselves, which the floors run directly. */
export const SCRIPTS = {
  trivial: path.join(BENCH_PACK, 'actions', 'trivial.sh'),
  bigOutput: path.join(BENCH_PACK, 'actions', 'big_output.sh'),
  trapTerm: path.join(BENCH_PACK, 'actions', 'trap_term.sh'),
};

/** The bench's pack next to the fixture packs, in the deployment's private packs dir. */
export async function installBenchPack(d: TestDeployment): Promise<void> {
  cpSync(BENCH_PACK, path.join(d.packsDir, 'bench'), { recursive: true });
  for (const [ref, entrypoint] of [['bench.trivial', 'trivial.sh'], ['bench.big_output', 'big_output.sh'], ['bench.trap_term', 'trap_term.sh']] as const) {
    await ensureAction(d.db, { ref, entrypoint, runtime: 'shell' });
  }
}
