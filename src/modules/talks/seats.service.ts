import crypto from 'node:crypto';
import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError } from '../../http/errors';
import { RegistrationKeys, Registrations, Seats, TalkLocks, Talks, type RegistrationDoc, type TalkDoc } from './talks.model';

/**
 * Seats are slot documents (unique talkId+seatNo); the queue is the registrations in `_id` order. One "filler"
 * at a time per talk (a lock document inserted under the talk's id) walks the queue and seats it strictly in
 * arrival order. The lock keeps the walk serial and every registration status write single-writer (the test
 * server does not isolate read-modify-write updates); the unique seat indexes stay the last word on who holds
 * a seat even if a lease were ever stolen from a live holder.
 */

const LEASE_MS = 15_000;
const WAIT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wall-clock time: the lease is about process liveness, not business time (tests freeze ctx.clock). */
const wallNow = () => Date.now();

export async function tryLock(ctx: AppContext, talkId: Types.ObjectId): Promise<string | null> {
  const locks = TalkLocks(ctx.db);
  const _id = String(talkId);
  const insert = async (): Promise<string | null> => {
    const holder = crypto.randomUUID();
    try {
      await locks.create({ _id, holder, until: new Date(wallNow() + LEASE_MS) });
      return holder;
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  };
  const got = await insert();
  if (got) return got;
  const current = await locks.findById(_id).lean();
  if (!current || current.until.getTime() >= wallNow()) return null;
  // The holder died mid-walk: remove exactly that stale lock (by holder) and compete once for a new one.
  await locks.deleteOne({ _id, holder: current.holder });
  return insert();
}

export async function unlock(ctx: AppContext, talkId: Types.ObjectId, holder: string): Promise<void> {
  await TalkLocks(ctx.db).deleteOne({ _id: String(talkId), holder });
}

/** Run `fn` holding the talk's lock, waiting for it with jittered backoff. */
export async function withTalkLock<T>(ctx: AppContext, talkId: Types.ObjectId, fn: () => Promise<T>): Promise<T> {
  const deadline = wallNow() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const holder = await tryLock(ctx, talkId);
    if (holder) {
      try {
        return await fn();
      } finally {
        await unlock(ctx, talkId, holder);
      }
    }
    if (wallNow() > deadline) throw new AppError('TALK_BUSY', 503, '报名人数太多，请稍后再试');
    await sleep(Math.min(5 * 2 ** attempt, 80) * (0.5 + Math.random()));
  }
}

export interface FillResult {
  /** Newly seated straight from arrival. */
  confirmed: RegistrationDoc[];
  /** Seated from the waitlist. */
  promoted: RegistrationDoc[];
}

/** Seats may still be handed out (to arrivals and to the waitlist) until the session starts. */
const seatingOpen = (ctx: AppContext, talk: TalkDoc): boolean =>
  (talk.status === 'published' || talk.status === 'closed') && ctx.clock.now() < talk.startAt;

export async function freeSeatNumbers(ctx: AppContext, talk: TalkDoc): Promise<number[]> {
  const taken = new Set((await Seats(ctx.db).find({ talkId: talk._id }, { seatNo: 1 }).lean()).map((s) => s.seatNo));
  const free: number[] = [];
  for (let n = 1; n <= talk.capacity; n++) if (!taken.has(n)) free.push(n);
  return free;
}

/** Insert one slot per seat the registration asked for; roll back its own inserts if it cannot get them all. */
async function takeSeats(ctx: AppContext, r: RegistrationDoc, free: number[]): Promise<boolean> {
  const seats = Seats(ctx.db);
  const mine: Array<{ id: Types.ObjectId; seatNo: number }> = [];
  for (let part = 1; part <= r.seats; part++) {
    for (;;) {
      const seatNo = free.shift();
      if (seatNo === undefined) {
        await seats.deleteMany({ _id: { $in: mine.map((m) => m.id) } });
        free.push(...mine.map((m) => m.seatNo));
        free.sort((a, b) => a - b);
        return false;
      }
      try {
        const s = await seats.create({ talkId: r.talkId, seatNo, registrationId: r._id, part, takenAt: ctx.clock.now() });
        mine.push({ id: s._id, seatNo });
        break;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Either this part is already held (a walk that stopped before writing the status) or the seat is
        // someone else's: keep the number free for later only in the first case.
        if (await seats.exists({ registrationId: r._id, part })) {
          free.unshift(seatNo);
          break;
        }
      }
    }
  }
  return true;
}

/**
 * One walk of the queue, called with the lock held. In arrival order: seat whoever fits; with a waitlist, the
 * first who does not fit blocks everyone behind (nobody is skipped); arrivals that are not seated join the
 * waitlist while it has room, otherwise they are rejected and their key is freed.
 */
export async function fillOnce(ctx: AppContext, talk: TalkDoc): Promise<FillResult> {
  const regs = Registrations(ctx.db);
  const result: FillResult = { confirmed: [], promoted: [] };
  const open = seatingOpen(ctx, talk);
  const free = open ? await freeSeatNumbers(ctx, talk) : [];
  let waitlisted = await regs.countDocuments({ talkId: talk._id, status: 'waitlisted' });
  let blocked = !open;
  let after: Types.ObjectId | undefined;
  for (;;) {
    const batch = await regs
      .find({ talkId: talk._id, status: blocked ? 'pending' : { $in: ['pending', 'waitlisted'] }, ...(after ? { _id: { $gt: after } } : {}) })
      .sort({ _id: 1 })
      .limit(200)
      .lean();
    if (!batch.length) break;
    const toWaitlist: Types.ObjectId[] = [];
    const toReject: RegistrationDoc[] = [];
    for (const r of batch) {
      after = r._id;
      if (!blocked && r.seats <= free.length && (await takeSeats(ctx, r, free))) {
        const now = ctx.clock.now();
        const set = r.status === 'waitlisted' ? { status: 'confirmed', confirmedAt: now, promotedAt: now } : { status: 'confirmed', confirmedAt: now };
        await regs.updateOne({ _id: r._id }, { $set: set });
        (r.status === 'waitlisted' ? result.promoted : result.confirmed).push({ ...r, ...(set as Partial<RegistrationDoc>) });
        continue;
      }
      if (talk.waitlistEnabled) blocked = true;
      if (r.status !== 'pending') continue;
      if (open && talk.waitlistEnabled && (talk.waitlistCap === 0 || waitlisted < talk.waitlistCap)) {
        toWaitlist.push(r._id);
        waitlisted++;
      } else toReject.push(r);
    }
    if (toWaitlist.length) await regs.updateMany({ _id: { $in: toWaitlist } }, { $set: { status: 'waitlisted' } });
    for (const r of toReject) await reject(ctx, r, open ? (talk.waitlistEnabled ? 'WAITLIST_FULL' : 'TALK_FULL') : 'TALK_CLOSED');
  }
  return result;
}

async function reject(ctx: AppContext, r: RegistrationDoc, reason: string): Promise<void> {
  await Registrations(ctx.db).updateOne({ _id: r._id }, { $set: { status: 'rejected', rejectReason: reason } });
  await RegistrationKeys(ctx.db).deleteOne({ _id: `${r.talkId}:${r.residentId}`, registrationId: r._id });
}

/** Is there something a walk would change? (an arrival to decide, or a waitlist head that fits the free seats) */
export async function workRemains(ctx: AppContext, talk: TalkDoc): Promise<boolean> {
  const regs = Registrations(ctx.db);
  if (await regs.exists({ talkId: talk._id, status: 'pending' })) return true;
  if (!seatingOpen(ctx, talk)) return false;
  const head = await regs.findOne({ talkId: talk._id, status: 'waitlisted' }).sort({ _id: 1 }).lean();
  if (!head) return false;
  return head.seats <= talk.capacity - (await Seats(ctx.db).countDocuments({ talkId: talk._id }));
}

type AfterFill = (ctx: AppContext, talk: TalkDoc, r: FillResult) => Promise<void>;

/**
 * Walk the queue if nobody else is. A caller that finds the lock taken returns at once: its change was made
 * before it tried the lock, so the holder's re-check after releasing sees it (no lost wake-up).
 */
export async function fill(ctx: AppContext, talkId: Types.ObjectId, after: AfterFill): Promise<void> {
  for (;;) {
    const holder = await tryLock(ctx, talkId);
    if (!holder) return;
    let talk: TalkDoc | null;
    let r: FillResult = { confirmed: [], promoted: [] };
    try {
      talk = await Talks(ctx.db).findById(talkId).lean();
      if (talk) r = await fillOnce(ctx, talk);
    } finally {
      await unlock(ctx, talkId, holder);
    }
    if (!talk) return;
    await after(ctx, talk, r);
    if (!(await workRemains(ctx, talk))) return;
  }
}

/** Wait until this arrival is decided: by another walker's batch, or by a walk of our own. */
export async function settle(ctx: AppContext, talkId: Types.ObjectId, regId: Types.ObjectId, after: AfterFill): Promise<RegistrationDoc> {
  const deadline = wallNow() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const r = await Registrations(ctx.db).findById(regId).lean();
    if (!r) throw new Error(`registration ${regId} vanished`);
    if (r.status !== 'pending') return r;
    const holder = await tryLock(ctx, talkId);
    if (holder) {
      let talk: TalkDoc | null = null;
      let res: FillResult = { confirmed: [], promoted: [] };
      try {
        talk = await Talks(ctx.db).findById(talkId).lean();
        if (talk) res = await fillOnce(ctx, talk);
      } finally {
        await unlock(ctx, talkId, holder);
      }
      if (talk) {
        await after(ctx, talk, res);
        if (await workRemains(ctx, talk)) await fill(ctx, talkId, after);
      }
      continue;
    }
    if (wallNow() > deadline) throw new AppError('TALK_BUSY', 503, '报名人数太多，请稍后再试');
    await sleep(Math.min(10 * 2 ** attempt, 150) * (0.5 + Math.random()));
  }
}
