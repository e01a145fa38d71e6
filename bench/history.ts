import type { temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;

/** One execution's whole history of each side, as the latency scenario keeps them (replayed by the workflow CPU scenario). */
export interface KeptHistories {
  adapter: temporal.api.history.v1.IHistory;
  engineFloor: temporal.api.history.v1.IHistory;
}

export interface HistoryCount {
  events: number;
  workflowTasks: number;
  activitiesScheduled: number;
  signals: number;
  byType: Record<string, number>;
  /** Each activity: where it ran and when (ms from the workflow's first event). */
  activities: { name: string; taskQueue: string; scheduledMs: number; startedMs: number | null; closedMs: number | null }[];
  /** Each workflow task: scheduled → completed (ms from the first event). */
  workflowTaskSpans: { scheduledMs: number; completedMs: number | null }[];
  workflowDurationMs: number;
}

const ms = (t: Event['eventTime']): number => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : 0);
const kind = (e: Event): string => {
  for (const [k, v] of Object.entries(e)) if (k.endsWith('EventAttributes') && v) return k.replace(/EventAttributes$/, '');
  return `type${String(e.eventType)}`;
};

/** Counts the Temporal server round trips one execution costs, from its workflow history. */
export function countHistory(history: temporal.api.history.v1.IHistory): HistoryCount {
  const events = history.events ?? [];
  const t0 = ms(events[0]?.eventTime);
  const rel = (e: Event) => Math.round((ms(e.eventTime) - t0) * 10) / 10;
  const byType: Record<string, number> = {};
  const activities = new Map<string, HistoryCount['activities'][number]>();
  const wft = new Map<string, HistoryCount['workflowTaskSpans'][number]>();
  for (const e of events) {
    const k = kind(e);
    byType[k] = (byType[k] ?? 0) + 1;
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      activities.set(id, { name: a.activityType?.name ?? '?', taskQueue: a.taskQueue?.name ?? '?', scheduledMs: rel(e), startedMs: null, closedMs: null });
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) activities.get(String(started.scheduledEventId))!.startedMs = rel(e);
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (closed && activities.get(String(closed.scheduledEventId))) activities.get(String(closed.scheduledEventId))!.closedMs = rel(e);
    if (e.workflowTaskScheduledEventAttributes) wft.set(id, { scheduledMs: rel(e), completedMs: null });
    const wClosed = e.workflowTaskCompletedEventAttributes;
    if (wClosed && wft.get(String(wClosed.scheduledEventId))) wft.get(String(wClosed.scheduledEventId))!.completedMs = rel(e);
  }
  return {
    events: events.length,
    workflowTasks: byType.workflowTaskScheduled ?? 0,
    activitiesScheduled: byType.activityTaskScheduled ?? 0,
    signals: byType.workflowExecutionSignaled ?? 0,
    byType,
    activities: [...activities.values()],
    workflowTaskSpans: [...wft.values()],
    workflowDurationMs: events.length ? rel(events[events.length - 1]!) : 0,
  };
}
