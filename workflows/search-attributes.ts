import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES } from '../src/temporal/names';
import { PATCHES } from './patches';

/**
 * The search attributes the workflow keeps current. Only a workflow the bridge started with its attributes
 * (it registered them: the server would fail the workflow task of an upsert naming an unknown attribute) upserts,
 * and only behind the patch, so histories recorded before replay unchanged. Each upsert is a command and a
 * visibility write: one when an agent has claimed and the row is running, one with the final status, each in a
 * workflow task that already happens.
 */
function searchable(): boolean {
  return workflowInfo().typedSearchAttributes.get(SEARCH_ATTRIBUTES.executionId) !== undefined && patched(PATCHES.searchAttributes);
}

/** The claimed agent, the runtime, and `running`. */
export function showRunning(agentId: string, runtime: string | null): void {
  if (!searchable()) return;
  const pairs: SearchAttributeUpdatePair[] = [
    { key: SEARCH_ATTRIBUTES.agent, value: agentId },
    { key: SEARCH_ATTRIBUTES.status, value: 'running' },
  ];
  if (runtime) pairs.push({ key: SEARCH_ATTRIBUTES.runtime, value: runtime });
  upsertSearchAttributes(pairs);
}

/** The execution's final status as Attune spells it (completed, failed, timeout, cancelled), or the row's when fenced. */
export function showFinal(status: string): void {
  if (!searchable()) return;
  if (workflowInfo().typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) === status) return;
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: status }]);
}
