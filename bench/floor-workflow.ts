import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

/**
 * The engine floor: the smallest workflows that do what the adapter does with Temporal, on their own tiny
 * worker (bench/floor-worker.js), with the default data converter.
 */
export interface ScriptInput {
  script: string;
  id: string;
  stdin: string;
}
export interface FloorActivities {
  runScript(input: ScriptInput): Promise<{ exitCode: number }>;
  killScript(input: { id: string }): Promise<void>;
}

const { runScript, killScript } = proxyActivities<FloorActivities>({ startToCloseTimeout: '10m', retry: { maximumAttempts: 1 } });

/** One activity that runs the action's script. */
export async function floorWorkflow(input: ScriptInput): Promise<{ exitCode: number }> {
  return runScript(input);
}

export const stopSignal = defineSignal('stop');

/** Cancellation floor: run the script; on the `stop` signal, one more activity sends it SIGTERM. */
export async function floorCancelWorkflow(input: ScriptInput): Promise<{ exitCode: number }> {
  let stop = false;
  setHandler(stopSignal, () => {
    stop = true;
  });
  const run = runScript(input);
  await condition(() => stop);
  await killScript({ id: input.id });
  return run;
}
