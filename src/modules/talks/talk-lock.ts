import crypto from 'node:crypto';
import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError } from '../../http/errors';
import { TalkLocks } from './talks.model';

/**
 * The per-talk lease of the seat walker: a document inserted under `_id` = talkId (the unique `_id` decides
 * who holds it), deleted on release and taken over only after its lease ran out. It keeps every status write
 * of a talk's registrations single-writer (the test server does not isolate read-modify-write updates); the
 * unique seat indexes stay the last word on who holds a seat if a stalled holder wakes up after its lease.
 */

export const LEASE_MS = 15_000;
const WAIT_MS = 120_000;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wall-clock time: the lease is about process liveness, not business time (tests freeze app.clock). */
export const wallNow = () => Date.now();

export interface Lock {
  holder: string;
  /** The previous holder died mid-walk: the queue state must be recounted. */
  stolen: boolean;
}

export async function tryLock(app: AppContext, talkId: Types.ObjectId, leaseMs = LEASE_MS): Promise<Lock | null> {
  const locks = TalkLocks(app.db).collection;
  const _id = String(talkId);
  const insert = async (stolen: boolean): Promise<Lock | null> => {
    const holder = crypto.randomUUID();
    try {
      await locks.insertOne({ _id, holder, until: new Date(wallNow() + leaseMs) } as never);
      return { holder, stolen };
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  };
  const got = await insert(false);
  if (got) return got;
  const current = await locks.findOne({ _id } as never);
  if (!current || (current.until as Date).getTime() >= wallNow()) return null;
  // The holder died mid-walk: remove exactly that stale lock (by holder) and compete once for a new one.
  await locks.deleteOne({ _id, holder: current.holder } as never);
  return insert(true);
}

export async function unlock(app: AppContext, talkId: Types.ObjectId, lock: Lock): Promise<void> {
  await TalkLocks(app.db).collection.deleteOne({ _id: String(talkId), holder: lock.holder } as never);
}

/** Run `fn` holding the talk's lock, waiting for it with jittered backoff. */
export async function withTalkLock<T>(app: AppContext, talkId: Types.ObjectId, fn: (lock: Lock) => Promise<T>): Promise<T> {
  const deadline = wallNow() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const lock = await tryLock(app, talkId);
    if (lock) {
      try {
        return await fn(lock);
      } finally {
        await unlock(app, talkId, lock);
      }
    }
    if (wallNow() > deadline) throw new AppError('TALK_BUSY', 503, '报名人数太多，请稍后再试');
    await sleep(Math.min(5 * 2 ** attempt, 80) * (0.5 + Math.random()));
  }
}
