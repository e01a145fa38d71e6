import { OUTCOME_RETENTION_MS, REATTACH_WINDOW_MS, RunRegistry, SEEN_RETENTION_MS, type TrackedRun } from '../../activities/run-registry';
import type { RunOutcome } from '../../src/temporal/contracts';

const outcome: RunOutcome = { v: 1, kind: 'exited', exitCode: 0, durationMs: 1, stdout: null, stderr: null, error: null, agentId: 'a' };

function run(): TrackedRun & { finish: () => void; stopped: () => boolean } {
  let finish!: () => void;
  let stopped = false;
  const done = new Promise<RunOutcome>((resolve) => (finish = () => resolve(outcome)));
  return { outcome: done, progress: () => ({ stdoutBytes: 3, stderrBytes: 0, lastLine: 'x', pid: 9 }), stop: () => (stopped = true), finish, stopped: () => stopped };
}

describe('the runs of one agent, for re-attaching', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('hands the live run to a re-attach, which cancels the stop that detaching scheduled', () => {
    const runs = new RunRegistry(1000);
    const r = run();
    runs.track(1, r);
    runs.detach(1);
    expect(runs.attach(1)).toBe(r);
    jest.advanceTimersByTime(5000);
    expect(r.stopped()).toBe(false);
  });

  it('keeps a run a re-attach follows when the first attempt learns of its lost heartbeats only after that re-attach', () => {
    const runs = new RunRegistry(1000);
    const r = run();
    runs.track(1, r);
    expect(runs.attach(1)).toBe(r); // the re-attach came first
    runs.detach(1); // then the first attempt's cancel
    jest.advanceTimersByTime(5000);
    expect(r.stopped()).toBe(false);
    runs.detach(1); // the re-attach's heartbeats are lost too: now nobody follows it
    jest.advanceTimersByTime(1000);
    expect(r.stopped()).toBe(true);
  });

  it('remembers every execution it received, past its outcome, for a day: a re-attach may start only a run never received', async () => {
    const runs = new RunRegistry(1000, 1000);
    expect(runs.hasSeen(1)).toBe(false);
    const r = run();
    runs.track(1, r);
    expect(runs.hasSeen(1)).toBe(true);
    r.finish();
    await Promise.resolve();
    await Promise.resolve();
    jest.advanceTimersByTime(1001);
    expect(runs.attach(1)).toBeNull(); // the outcome is forgotten …
    expect(runs.hasSeen(1)).toBe(true); // … the run having been received is not
    expect(runs.hasSeen(2)).toBe(false);
    jest.advanceTimersByTime(SEEN_RETENTION_MS);
    expect(runs.hasSeen(1)).toBe(false);
  });

  it('remembers at most the newest executions it received', () => {
    const runs = new RunRegistry(1000, OUTCOME_RETENTION_MS, 10, SEEN_RETENTION_MS, 2);
    for (const id of [1, 2, 3]) runs.track(id, run());
    expect([1, 2, 3].map((id) => runs.hasSeen(id))).toEqual([false, true, true]);
  });

  it('stops a detached run nobody re-attached to within the window', () => {
    const runs = new RunRegistry(1000);
    const r = run();
    runs.track(1, r);
    runs.detach(1);
    jest.advanceTimersByTime(999);
    expect(r.stopped()).toBe(false);
    jest.advanceTimersByTime(1);
    expect(r.stopped()).toBe(true);
  });

  it('keeps a finished run\'s outcome for the retention, then forgets it; an unknown execution has nothing', async () => {
    const runs = new RunRegistry(1000, 1000);
    const r = run();
    runs.track(1, r);
    r.finish();
    await Promise.resolve();
    await Promise.resolve();
    await expect(runs.attach(1)!.outcome).resolves.toEqual(outcome);
    jest.advanceTimersByTime(1001);
    expect(runs.attach(1)).toBeNull();
    expect(runs.attach(2)).toBeNull();
  });

  it('keeps an outcome well past the process window: a run that ended during a Temporal outage longer than it is still collected', async () => {
    const runs = new RunRegistry();
    const r = run();
    runs.track(1, r);
    r.finish();
    await Promise.resolve();
    await Promise.resolve();
    jest.advanceTimersByTime(REATTACH_WINDOW_MS + 330_000); // the chaos soak's long outage, after the 2-minute window
    await expect(runs.attach(1)!.outcome).resolves.toEqual(outcome);
    jest.advanceTimersByTime(OUTCOME_RETENTION_MS);
    expect(runs.attach(1)).toBeNull();
  });

  it('keeps at most the newest outcomes when many runs finish', async () => {
    const runs = new RunRegistry(1000, OUTCOME_RETENTION_MS, 2);
    for (const id of [1, 2, 3]) {
      const r = run();
      runs.track(id, r);
      r.finish();
      await Promise.resolve();
      await Promise.resolve();
    }
    expect(runs.attach(1)).toBeNull();
    await expect(runs.attach(2)!.outcome).resolves.toEqual(outcome);
    await expect(runs.attach(3)!.outcome).resolves.toEqual(outcome);
  });
});
