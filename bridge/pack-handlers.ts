import type { Pool } from 'pg';
import type { PackTestRequested } from '../src/attune/messages';
import { failPackInstall } from '../src/attune/db/pack-installs';
import type { Logger } from '../src/log';
import type { Verdict } from './consumer';

export const PACK_TESTS_UNSUPPORTED = 'Pack tests are not run by attune-temporal workers yet; run them on a native Attune worker or install without tests';

/**
 * Pack tests are not run by this adapter yet. Rather than leave an install waiting on us, the attempt is
 * failed at once with a clear message, so Attune's pack install ends instead of hanging.
 */
export async function refusePackTest(deps: { db: Pool; workerId: number; log: Logger }, payload: PackTestRequested): Promise<Verdict> {
  const failed = await failPackInstall(deps.db, payload.pack_install_id, deps.workerId, PACK_TESTS_UNSUPPORTED);
  deps.log.warn({ packInstallId: payload.pack_install_id, packRef: payload.pack_ref, failed }, 'pack test refused: not supported');
  return { kind: 'ack' };
}
