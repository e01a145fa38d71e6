import type { Handler } from './consumer';

/**
 * Pack lifecycle events. Environments are built lazily on first use and keyed by manifest hash, so a
 * registered or deleted pack needs no eager work here; the queue is consumed so it cannot grow.
 */
export const packEventHandler: Handler = async (envelope) => {
  if (envelope.message_type === 'PackRegistered' || envelope.message_type === 'PackDeleted') return { kind: 'ack' };
  return { kind: 'park', reason: `unexpected message_type "${envelope.message_type}" on the packs queue` };
};

/**
 * Pack tests are not run by this adapter yet. Parking them (with this reason) keeps them visible to an
 * operator instead of silently dropping them.
 */
export const packTestHandler: Handler = async (envelope) => {
  if (envelope.message_type !== 'PackTestRequested') {
    return { kind: 'park', reason: `unexpected message_type "${envelope.message_type}" on the packtests queue` };
  }
  return { kind: 'park', reason: 'pack tests are not supported by attune-temporal yet' };
};
