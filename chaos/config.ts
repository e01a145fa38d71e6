/** The soak's sizes: the full run and the short (CI) run. */
export interface ChaosConfig {
  short: boolean;
  executions: number;
  /** Dispatches are spread over about this long (the faults run meanwhile); the in-flight cap may stretch it. */
  loadSeconds: number;
  maxInFlight: number;
  agentSlots: number;
  sleeperSeconds: number;
  /** How long PostgreSQL stays stopped. */
  pgOutageSeconds: number;
  /** How long the artifacts volume stays full. */
  diskFullSeconds: number;
  /** Each fault kind this many times, in a random order. */
  faultRounds: number;
  /** Random pause between two faults. */
  faultGapSeconds: [number, number];
  /** A Temporal outage longer than the dispatch queue's 5-minute TTL (0: none). */
  longTemporalOutageSeconds: number;
  /** After the last dispatch and fault: how long every row may take to reach a final status. */
  drainSeconds: number;
  artifactsMiB: number;
  outputBytes: number;
  paramBytes: number;
}

export function chaosConfig(short: boolean): ChaosConfig {
  const common = { agentSlots: 12, outputBytes: 10 * 1024 * 1024, paramBytes: 3 * 1024 * 1024, diskFullSeconds: 15 };
  return short
    ? { ...common, short, executions: 120, loadSeconds: 130, maxInFlight: 30, sleeperSeconds: 10, pgOutageSeconds: 15, faultRounds: 1, faultGapSeconds: [6, 14], longTemporalOutageSeconds: 0, drainSeconds: 180, artifactsMiB: 768 }
    : { ...common, short, executions: 1000, loadSeconds: 540, maxInFlight: 48, sleeperSeconds: 30, pgOutageSeconds: 30, faultRounds: 2, faultGapSeconds: [8, 20], longTemporalOutageSeconds: 330, drainSeconds: 300, artifactsMiB: 3072 };
}
