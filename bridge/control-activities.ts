import type { Pool } from 'pg';
import type { ControlActivities } from '../src/temporal/contracts';
import { beginExecution } from './begin-execution';
import { completeExecution } from './complete-execution';
import { prepareExecution, type PrepareDeps } from './prepare-execution';
import type { PoolRegistry } from './pool-registry';
import type { AttunePublisher } from './publisher';
import type { Logger } from '../src/log';

export interface ControlDeps extends PrepareDeps {
  db: Pool;
  publisher: AttunePublisher;
  registry: PoolRegistry;
  log: Logger;
  /** The bridge's own view of the shared artifacts volume: every log path it reads is derived from it. */
  artifactsDir: string;
}

/** The bridge's activities: the only code that touches Attune's database and bus. */
export function createControlActivities(deps: ControlDeps) {
  return {
    prepareExecution: (input) => prepareExecution(deps, input),
    beginExecution: (input) => beginExecution(deps, input),
    completeExecution: (input) => completeExecution(deps, input),
    syncPools: (input) => deps.registry.sync(input),
  } satisfies ControlActivities;
}
