import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { backoffMs, leasesIn, releaseLease, tryLease, withLease, type Lease, type LeaseLock } from '../../db/coordination';
import { AppError } from '../../http/errors';
import { TalkLocks } from './talks.model';

/**
 * The per-talk lease of the seat walker (`withLease` in src/db/coordination: a document under `_id` = talkId,
 * deleted on release and taken over only after its lease ran out). It keeps every status write of a talk's
 * registrations single-writer (the test server does not isolate read-modify-write updates); the unique seat
 * indexes stay the last word on who holds a seat if a stalled holder wakes up after its lease.
 */

export const LEASE_MS = 15_000;
const WAIT_MS = 120_000;

/** `stolen`: the previous holder died mid-walk, so the queue state must be recounted. */
export type Lock = Lease;

const talkLease = (app: AppContext, talkId: Types.ObjectId, leaseMs = LEASE_MS): LeaseLock => ({
  coll: leasesIn(TalkLocks(app.db)),
  id: String(talkId),
  leaseMs,
});

export const tryLock = (app: AppContext, talkId: Types.ObjectId, leaseMs = LEASE_MS): Promise<Lock | null> => tryLease(talkLease(app, talkId, leaseMs));

export const unlock = (app: AppContext, talkId: Types.ObjectId, lock: Lock): Promise<void> => releaseLease(talkLease(app, talkId), lock);

/** Run `fn` holding the talk's lock, waiting for it with jittered backoff. */
export function withTalkLock<T>(app: AppContext, talkId: Types.ObjectId, fn: (lock: Lock) => Promise<T>): Promise<T> {
  return withLease(
    talkLease(app, talkId),
    {
      waitMs: WAIT_MS,
      backoff: (attempt) => backoffMs(attempt, 5, 80),
      busy: () => {
        throw new AppError('TALK_BUSY', 503, '报名人数太多，请稍后再试');
      },
    },
    fn,
  );
}
