import { ActivityFailure, ApplicationFailure, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ControlActivities } from '../src/temporal/contracts';
import { controlOptions, localControlOptions } from './options';
import { SUMMARIES } from './summaries';

type Step = 'prepareExecution' | 'beginExecution' | 'completeExecution' | 'retryExecution';
const SUMMARY_OF: Record<Step, (executionId: number) => string> = {
  prepareExecution: SUMMARIES.prepare,
  beginExecution: SUMMARIES.begin,
  completeExecution: SUMMARIES.complete,
  retryExecution: SUMMARIES.retry,
};
export type ControlSteps = Pick<ControlActivities, Step>;

/**
 * The bridge's steps of one execution, each tried as a local activity first (no server round trip) and, when
 * its short local budget is spent, continued as a regular activity on the bridge's queue. Every step is
 * idempotent and fenced in the database, so running it more than once is safe. A non-retryable failure is
 * not tried again.
 */
export function controlSteps(bridgeTaskQueue: string): ControlSteps {
  const step =
    <K extends Step>(name: K) =>
    async (input: Parameters<ControlActivities[K]>[0]): Promise<Awaited<ReturnType<ControlActivities[K]>>> => {
      type Call = (i: typeof input) => Promise<Awaited<ReturnType<ControlActivities[K]>>>;
      const summary = SUMMARY_OF[name](input.executionId);
      const local = proxyLocalActivities<ControlActivities>({ ...localControlOptions, summary });
      const remote = proxyActivities<ControlActivities>({ ...controlOptions(bridgeTaskQueue), summary });
      try {
        return await (local[name] as Call)(input);
      } catch (err) {
        if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) throw err;
        log.warn('control step failed locally; continuing as a regular activity', { step: name, error: String(err) });
        return (remote[name] as Call)(input);
      }
    };
  return {
    prepareExecution: step('prepareExecution'),
    beginExecution: step('beginExecution'),
    completeExecution: step('completeExecution'),
    retryExecution: step('retryExecution'),
  };
}
