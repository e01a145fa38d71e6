import { Context } from '@temporalio/activity';

/** Heartbeats for as long as this agent lives; returns only when cancelled (shutdown). */
export async function holdPresence(): Promise<void> {
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat();
    await ctx.sleep(2000); // rejects with CancelledFailure on shutdown, ending the session
  }
}
