/** A worker row as Attune's scheduler reads it. */
export interface WorkerRow {
  id: number;
  name: string;
  capabilities: { runtimes?: string[] } | null;
}

/**
 * Attune's runtime filter (`select_worker_for_action_execution`, step 4): the workers whose `capabilities.runtimes`
 * contain, case-insensitively, the runtime's lower-cased name or any of its aliases. Attune then picks one of them
 * round-robin; the test names the one it wants among them.
 */
export function candidatesFor(runtime: { name: string; aliases: string[] }, workers: WorkerRow[]): WorkerRow[] {
  const wanted = new Set([runtime.name, ...runtime.aliases].map((n) => n.toLowerCase()));
  return workers.filter((w) => (w.capabilities?.runtimes ?? []).some((r) => wanted.has(r.toLowerCase())));
}
