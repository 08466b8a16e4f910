import crypto from 'node:crypto';
import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError } from '../../http/errors';
import { RegistrationKeys, Registrations, Seats, TalkLocks, TalkQueues, Talks, type RegistrationDoc, type TalkDoc } from './talks.model';

/**
 * Seats are slot documents (unique talkId+seatNo); the queue is the registrations in `_id` order. One "filler"
 * at a time per talk (a lock document inserted under the talk's id) walks the queue and seats it strictly in
 * arrival order. The lock keeps the walk serial and every registration status write single-writer (the test
 * server does not isolate read-modify-write updates); the unique seat indexes stay the last word on who holds
 * a seat even if a lease were ever stolen from a live holder.
 */

const LEASE_MS = 15_000;
const WAIT_MS = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wall-clock time: the lease is about process liveness, not business time (tests freeze ctx.clock). */
const wallNow = () => Date.now();

export interface Lock {
  holder: string;
  /** The previous holder died mid-walk: the queue state must be recounted. */
  stolen: boolean;
}

export async function tryLock(app: AppContext, talkId: Types.ObjectId): Promise<Lock | null> {
  const locks = TalkLocks(app.db);
  const _id = String(talkId);
  const insert = async (stolen: boolean): Promise<Lock | null> => {
    const holder = crypto.randomUUID();
    try {
      await locks.create({ _id, holder, until: new Date(wallNow() + LEASE_MS) });
      return { holder, stolen };
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  };
  const got = await insert(false);
  if (got) return got;
  const current = await locks.findById(_id).lean();
  if (!current || current.until.getTime() >= wallNow()) return null;
  // The holder died mid-walk: remove exactly that stale lock (by holder) and compete once for a new one.
  await locks.deleteOne({ _id, holder: current.holder });
  return insert(true);
}

export async function unlock(app: AppContext, talkId: Types.ObjectId, lock: Lock): Promise<void> {
  await TalkLocks(app.db).deleteOne({ _id: String(talkId), holder: lock.holder });
}

/** Run `fn` holding the talk's lock, waiting for it with jittered backoff. */
export async function withTalkLock<T>(app: AppContext, talkId: Types.ObjectId, fn: () => Promise<T>): Promise<T> {
  const deadline = wallNow() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const lock = await tryLock(app, talkId);
    if (lock) {
      try {
        if (lock.stolen) await forgetQueueState(app, talkId);
        return await fn();
      } finally {
        await unlock(app, talkId, lock);
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
  /** Arrivals put on the waitlist, with their position at that moment. */
  waitlisted: Array<{ reg: RegistrationDoc; position: number }>;
  rejected: RegistrationDoc[];
}

const emptyResult = (): FillResult => ({ confirmed: [], promoted: [], waitlisted: [], rejected: [] });

/** Seats may still be handed out (to arrivals and to the waitlist) until the session starts. */
const seatingOpen = (app: AppContext, talk: TalkDoc): boolean =>
  (talk.status === 'published' || talk.status === 'closed') && app.clock.now() < talk.startAt;

export async function freeSeatNumbers(app: AppContext, talk: TalkDoc): Promise<number[]> {
  const taken = new Set((await Seats(app.db).find({ talkId: talk._id }, { seatNo: 1 }).lean()).map((s) => s.seatNo));
  const free: number[] = [];
  for (let n = 1; n <= talk.capacity; n++) if (!taken.has(n)) free.push(n);
  return free;
}

/** Insert one slot per seat the registration asked for; roll back its own inserts if it cannot get them all. */
async function takeSeats(app: AppContext, r: RegistrationDoc, free: number[]): Promise<boolean> {
  const seats = Seats(app.db);
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
        const s = await seats.create({ talkId: r.talkId, seatNo, registrationId: r._id, part, takenAt: app.clock.now() });
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
 * Waitlist length and last queue number of a talk. Counting them means reading every waitlisted registration
 * (thousands in a storm, on every walk), so they are kept in one document that only the lock holder writes.
 * A missing document — first walk, or forgotten after a holder died mid-walk — is recounted.
 */
async function loadQueueState(app: AppContext, talk: TalkDoc): Promise<{ waitlisted: number; seq: number }> {
  const s = await TalkQueues(app.db).findById(String(talk._id)).lean();
  if (s) return { waitlisted: s.waitlisted, seq: s.seq };
  const regs = Registrations(app.db);
  const [waitlisted, last] = await Promise.all([
    regs.countDocuments({ talkId: talk._id, status: 'waitlisted' }),
    regs.findOne({ talkId: talk._id }, { seq: 1 }).sort({ seq: -1 }).lean(),
  ]);
  return { waitlisted, seq: last?.seq ?? 0 };
}

async function saveQueueState(app: AppContext, talkId: Types.ObjectId, state: { waitlisted: number; seq: number }): Promise<void> {
  await TalkQueues(app.db).updateOne({ _id: String(talkId) }, { $set: state }, { upsert: true });
}

/** Call with the lock held after changing the waitlist outside a walk (or when a dead holder's lock was taken). */
export async function forgetQueueState(app: AppContext, talkId: Types.ObjectId): Promise<void> {
  await TalkQueues(app.db).deleteOne({ _id: String(talkId) });
}

/**
 * One walk of the queue, called with the lock held. First the waitlist in queue order: promote whoever fits
 * until the first who does not (nobody is skipped). Then the arrivals in `_id` order: a seat if nobody is
 * waiting ahead and one fits, else a waitlist place while it has room, else a rejection (its key is freed so
 * the resident may try again later). Arrivals decided in this walk share its number `seq`; the queue order is
 * (seq, _id), i.e. the order in which the walks saw them.
 */
export async function fillOnce(app: AppContext, talk: TalkDoc): Promise<FillResult> {
  try {
    return await walk(app, talk);
  } catch (err) {
    // a walk that failed half-way may have moved registrations without saving the bookkeeping
    await forgetQueueState(app, talk._id).catch(() => undefined);
    throw err;
  }
}

async function walk(app: AppContext, talk: TalkDoc): Promise<FillResult> {
  const regs = Registrations(app.db);
  const result = emptyResult();
  const open = seatingOpen(app, talk);
  const free = open ? await freeSeatNumbers(app, talk) : [];
  let blocked = !open;
  const now = app.clock.now();

  // 1. The waitlist, in queue order (each promotion takes a seat, so at most free.length can move).
  const state = await loadQueueState(app, talk);
  let waitlisted = state.waitlisted;
  if (open && waitlisted > 0 && free.length > 0) {
    const head = await regs.find({ talkId: talk._id, status: 'waitlisted' }).sort({ seq: 1, _id: 1 }).limit(free.length + 1).lean();
    for (const r of head) {
      if (r.seats <= free.length && (await takeSeats(app, r, free))) {
        await regs.updateOne({ _id: r._id }, { $set: { status: 'confirmed', confirmedAt: now, promotedAt: now } });
        result.promoted.push({ ...r, status: 'confirmed', confirmedAt: now, promotedAt: now });
        waitlisted--;
      } else if (talk.waitlistEnabled) break;
    }
  }
  if (waitlisted > 0 && talk.waitlistEnabled) blocked = true;
  const promotedCount = result.promoted.length;

  // 2. Arrivals, in the order they were recorded.
  let after: Types.ObjectId | undefined;
  let seq: number | undefined;
  for (;;) {
    const batch = await regs.find({ talkId: talk._id, status: 'pending', ...(after ? { _id: { $gt: after } } : {}) }).sort({ _id: 1 }).limit(500).lean();
    if (!batch.length) break;
    seq ??= state.seq + 1;
    const seated: RegistrationDoc[] = [];
    const toWaitlist: RegistrationDoc[] = [];
    const toReject: RegistrationDoc[] = [];
    for (const r of batch) {
      after = r._id;
      if (!blocked && r.seats <= free.length && (await takeSeats(app, r, free))) {
        seated.push(r);
        continue;
      }
      if (talk.waitlistEnabled) blocked = true;
      if (open && talk.waitlistEnabled && (talk.waitlistCap === 0 || waitlisted < talk.waitlistCap)) {
        toWaitlist.push(r);
        result.waitlisted.push({ reg: { ...r, status: 'waitlisted', seq }, position: ++waitlisted });
      } else toReject.push(r);
    }
    if (seated.length) {
      await setEach(app, seated, { status: 'confirmed', confirmedAt: now, seq });
      result.confirmed.push(...seated.map((r) => ({ ...r, status: 'confirmed' as const, confirmedAt: now, seq: seq! })));
    }
    if (toWaitlist.length) await setEach(app, toWaitlist, { status: 'waitlisted', seq });
    for (const r of toReject) {
      const reason = open ? (talk.waitlistEnabled ? 'WAITLIST_FULL' : 'TALK_FULL') : 'TALK_CLOSED';
      await reject(app, r, reason);
      result.rejected.push({ ...r, status: 'rejected', rejectReason: reason });
    }
  }
  if (seq !== undefined || promotedCount > 0 || waitlisted !== state.waitlisted) await saveQueueState(app, talk._id, { waitlisted, seq: seq ?? state.seq });
  return result;
}

/**
 * Set the same fields on a walk's batch of registrations (written only by the lock holder). One updateMany:
 * a bulkWrite of per-_id updates stalled FerretDB 1.24 (SQLite) under concurrent inserts in our runs.
 */
async function setEach(app: AppContext, regs: RegistrationDoc[], set: Partial<RegistrationDoc>): Promise<void> {
  await Registrations(app.db).updateMany({ _id: { $in: regs.map((r) => r._id) } }, { $set: set });
}

async function reject(app: AppContext, r: RegistrationDoc, reason: string): Promise<void> {
  await Registrations(app.db).updateOne({ _id: r._id }, { $set: { status: 'rejected', rejectReason: reason } });
  await RegistrationKeys(app.db).deleteOne({ _id: `${r.talkId}:${r.residentId}`, registrationId: r._id });
}

/** Is there something a walk would change? (an arrival to decide, or a waitlist head that fits the free seats) */
export async function workRemains(app: AppContext, talk: TalkDoc): Promise<boolean> {
  const regs = Registrations(app.db);
  if (await regs.exists({ talkId: talk._id, status: 'pending' })) return true;
  if (!seatingOpen(app, talk)) return false;
  const head = await regs.findOne({ talkId: talk._id, status: 'waitlisted' }).sort({ seq: 1, _id: 1 }).lean();
  if (!head) return false;
  return head.seats <= talk.capacity - (await Seats(app.db).countDocuments({ talkId: talk._id }));
}

type AfterFill = (app: AppContext, talk: TalkDoc, r: FillResult) => Promise<void>;

/**
 * Walk the queue if nobody else is. A caller that finds the lock taken returns at once: its change was made
 * before it tried the lock, so the holder's re-check after releasing sees it (no lost wake-up).
 */
export async function fill(app: AppContext, talkId: Types.ObjectId, after: AfterFill): Promise<void> {
  for (;;) {
    const lock = await tryLock(app, talkId);
    if (!lock) return;
    let talk: TalkDoc | null;
    let r = emptyResult();
    try {
      if (lock.stolen) await forgetQueueState(app, talkId);
      talk = await Talks(app.db).findById(talkId).lean();
      if (talk) r = await fillOnce(app, talk);
    } finally {
      await unlock(app, talkId, lock);
    }
    if (!talk) return;
    await after(app, talk, r);
    if (!(await workRemains(app, talk))) return;
  }
}

export type Decided = RegistrationDoc & { position?: number };

interface Waiter {
  resolve(r: Decided): void;
  reject(err: unknown): void;
  since: number;
}

interface Job {
  run(): Promise<unknown>;
  resolve(v: unknown): void;
  reject(err: unknown): void;
  since: number;
}

interface TalkQueue {
  waiters: Map<string, Waiter>;
  jobs: Job[];
}

/**
 * Work waiting in this process, per talk: arrivals to decide and jobs (cancellations) to run under the lock.
 * One loop per talk and process takes the lock once for all of them, runs the jobs, walks the queue and
 * answers everyone — instead of hundreds of requests each polling the database for the lock.
 */
const queues = new Map<string, TalkQueue>();

function enqueueWork(app: AppContext, talkId: Types.ObjectId, after: AfterFill, add: (q: TalkQueue) => void): void {
  const key = `${app.db.name}:${String(talkId)}`;
  let q = queues.get(key);
  const start = !q;
  if (!q) queues.set(key, (q = { waiters: new Map(), jobs: [] }));
  add(q);
  if (start) void talkLoop(app, talkId, key, q, after);
}

/** Wait until this arrival is decided: by a walk of this process's loop, or by another process's walk. */
export function settle(app: AppContext, talkId: Types.ObjectId, regId: Types.ObjectId, after: AfterFill): Promise<Decided> {
  return new Promise((resolve, reject) => enqueueWork(app, talkId, after, (q) => q.waiters.set(String(regId), { resolve, reject, since: wallNow() })));
}

/** Run `run` holding the talk's lock, batched with other work of this process; a walk of the queue follows. */
export function underTalkLock<T>(app: AppContext, talkId: Types.ObjectId, after: AfterFill, run: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    enqueueWork(app, talkId, after, (q) => q.jobs.push({ run, resolve: resolve as (v: unknown) => void, reject, since: wallNow() })),
  );
}

const busy = () => new AppError('TALK_BUSY', 503, '报名人数太多，请稍后在“我的报名”查看结果');

async function talkLoop(app: AppContext, talkId: Types.ObjectId, key: string, q: TalkQueue, after: AfterFill): Promise<void> {
  let attempt = 0;
  const answer = (r: Decided) => {
    q.waiters.get(String(r._id))?.resolve(r);
    q.waiters.delete(String(r._id));
  };
  try {
    while (q.waiters.size || q.jobs.length) {
      const lock = await tryLock(app, talkId);
      if (lock) {
        attempt = 0;
        const jobs = q.jobs.splice(0);
        const outcomes: Array<{ ok: boolean; value: unknown }> = [];
        let talk: TalkDoc | null = null;
        let res = emptyResult();
        try {
          if (lock.stolen) await forgetQueueState(app, talkId);
          for (const job of jobs) outcomes.push(await job.run().then((value) => ({ ok: true, value }), (value: unknown) => ({ ok: false, value })));
          talk = await Talks(app.db).findById(talkId).lean();
          if (talk) res = await fillOnce(app, talk);
        } catch (err) {
          while (outcomes.length < jobs.length) outcomes.push({ ok: false, value: err });
          throw err;
        } finally {
          await unlock(app, talkId, lock);
          jobs.forEach((job, i) => (outcomes[i]?.ok ? job.resolve(outcomes[i]!.value) : job.reject(outcomes[i]?.value)));
        }
        if (talk) await after(app, talk, res);
        [...res.confirmed, ...res.rejected].forEach(answer);
        res.waitlisted.forEach((w) => answer({ ...w.reg, position: w.position }));
      } else {
        await sleep(Math.min(10 * 2 ** attempt++, 100) * (0.5 + Math.random()));
      }
      if (!lock && q.waiters.size) {
        // another process holds the lock: its walk may decide ours (by _id: cheap on every server)
        for (const id of [...q.waiters.keys()].slice(0, 50)) {
          const r = await Registrations(app.db).findById(id).lean();
          if (r && r.status !== 'pending') answer(r);
        }
      }
      const now = wallNow();
      for (const [id, w] of q.waiters) {
        if (now - w.since < WAIT_MS) continue;
        w.reject(busy());
        q.waiters.delete(id);
      }
      for (const job of q.jobs.filter((j) => now - j.since >= WAIT_MS)) {
        job.reject(busy());
        q.jobs.splice(q.jobs.indexOf(job), 1);
      }
    }
  } catch (err) {
    for (const w of q.waiters.values()) w.reject(err);
    for (const j of q.jobs) j.reject(err);
    q.waiters.clear();
    q.jobs.length = 0;
  } finally {
    queues.delete(key);
  }
}
