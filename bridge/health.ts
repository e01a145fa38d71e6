/** A dependency check: resolves when the dependency answers, rejects (or times out) when it does not. */
export type Probe = () => Promise<unknown>;

const PROBE_TIMEOUT_MS = 2000;
/** Liveness fails when the bridge's own loop (start-up attempts, pool sync) has not turned for this long. */
const STALL_MS = 120_000;

export interface Readiness {
  ready: boolean;
  dependencies: Record<string, { up: boolean; error?: string }>;
}

/**
 * Readiness and liveness as Kubernetes and Compose expect them. Readiness: every dependency (AMQP,
 * PostgreSQL, Temporal) answers now — each probed on request, bounded in time; one not yet opened is
 * down — and the start itself has finished (`started`: workflow worker running, pools attached). Liveness: the process is making progress — its main loop reports each turn, whether the turn
 * succeeded or not, so a dependency outage keeps it alive (a restart would not help) and a wedged loop
 * does not.
 */
export class Health {
  private readonly probes = new Map<string, Probe | null>();
  private lastProgress = Date.now();

  constructor(dependencies: string[]) {
    for (const name of dependencies) this.probes.set(name, null);
  }

  setProbe(name: string, probe: Probe): void {
    this.probes.set(name, probe);
  }

  progressed(): void {
    this.lastProgress = Date.now();
  }

  live(): { live: boolean; sinceProgressMs: number } {
    const sinceProgressMs = Date.now() - this.lastProgress;
    return { live: sinceProgressMs < STALL_MS, sinceProgressMs };
  }

  async readiness(): Promise<Readiness> {
    type Check = Readiness['dependencies'][string];
    const entries = await Promise.all(
      [...this.probes].map(async ([name, probe]): Promise<[string, Check]> => {
        if (!probe) return [name, { up: false, error: 'not yet' }];
        try {
          await withTimeout(probe(), PROBE_TIMEOUT_MS);
          return [name, { up: true }];
        } catch (err) {
          return [name, { up: false, error: (err as Error).message }];
        }
      }),
    );
    return { ready: entries.every(([, d]) => d.up), dependencies: Object.fromEntries(entries) };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
