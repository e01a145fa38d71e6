import type { Pool } from 'pg';
import { packTestRequestedSchema } from '../src/attune/messages';
import { failPackInstall } from '../src/attune/db/pack-installs';
import type { Logger } from '../src/log';
import { typedHandler, type Handler } from './consumer';

export const PACK_TESTS_UNSUPPORTED = 'Pack tests are not run by attune-temporal workers yet; run them on a native Attune worker or install without tests';

/**
 * Pack lifecycle events. Environments are built lazily on first use and keyed by manifest hash, so a
 * registered or deleted pack needs no eager work here; the queue is consumed so it cannot grow.
 */
export const packEventHandler: Handler = async (envelope) => {
  if (envelope.message_type === 'PackRegistered' || envelope.message_type === 'PackDeleted') return { kind: 'ack' };
  return { kind: 'park', reason: `unexpected message_type "${envelope.message_type}" on the packs queue` };
};

/**
 * Pack tests are not run by this adapter yet. Rather than leave an install waiting on us, the attempt is
 * failed at once with a clear message, so Attune's pack install ends instead of hanging.
 */
export function packTestHandler(deps: { db: Pool; workerId: number; log: Logger }): Handler {
  return typedHandler('PackTestRequested', packTestRequestedSchema, 'packtests', async (payload) => {
    const failed = await failPackInstall(deps.db, payload.pack_install_id, deps.workerId, PACK_TESTS_UNSUPPORTED);
    deps.log.warn({ packInstallId: payload.pack_install_id, packRef: payload.pack_ref, failed }, 'pack test refused: not supported');
    return { kind: 'ack' };
  });
}
