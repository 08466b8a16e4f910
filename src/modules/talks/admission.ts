import type DataLoader from 'dataloader';
import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { backoffMs, collectionOf, removeHeld, sleep, wallNow } from '../../db/coordination';
import { insertManyKeyed } from '../../db/model';
import { AppError } from '../../http/errors';
import { coalescing } from '../../lib/batch';
import {
  emptyResult,
  fastLaneHint,
  fillOnce,
  forgetQueueState,
  forgetTakenSeats,
  noteFastLane,
  queueIsOpen,
  waitlistPlaces,
  type AfterFill,
  type FillResult,
} from './queue-walk';
import { recordEntries } from './resident-entries';
import { LEASE_MS, tryLock, unlock } from './talk-lock';
import { RegistrationKeys, Registrations, Seats, Talks, type RegistrationDoc, type RegistrationKeyDoc, type SeatDoc, type TalkDoc } from './talks.model';

/**
 * Batch admission. A sign-up first claims its key `<talkId>:<residentId>` (concurrent claims of this process
 * share one insert), then waits in memory, per talk; one loop per talk and process takes the talk's lease once
 * for all of them, records their resident entries (one insert), walks the queue and inserts each registration
 * once with the status the walk gave it (one insert of seats, one of registrations), and answers every one it
 * decided. Cancellations queued here run under the same lease before the walk. Requests that wait for a
 * registration decided elsewhere (a retry) are answered from one `$in` read per round, whoever walked.
 */

const WAIT_MS = 120_000;
const BATCH = 500;
const STRANDED_MS = 2_000;
/** A loop that only waits for decisions made elsewhere looks for them this often (one read for all). */
const IDLE_MS = 200;

export type Decided = RegistrationDoc & { position?: number };

interface Arrival {
  regId: Types.ObjectId;
  residentId: Types.ObjectId;
  areaPath: string[];
  seats: number;
  idempotencyKey?: string;
  at: Date;
  /** Its resident entry is already written (it tried the fast lane first). */
  entered?: boolean;
}

/** What became of an arrival: decided by the walk. */
export type Admission = { kind: 'decided'; reg: Decided };

const keyId = (talkId: Types.ObjectId, residentId: Types.ObjectId) => `${String(talkId)}:${String(residentId)}`;

/** Key claims of concurrent sign-ups of this process, one insert per round; `false`: the key was held. */
const claimers = new WeakMap<object, DataLoader<RegistrationKeyDoc, boolean>>();

/**
 * Claim the resident's one live registration for the talk (the unique key decides, whatever the server's
 * isolation). `false`: the resident already holds a key — a retry, or a second sign-up.
 */
export function claimKey(app: AppContext, talkId: Types.ObjectId, a: Arrival): Promise<boolean> {
  let l = claimers.get(app.db);
  if (!l) {
    const coll = collectionOf(RegistrationKeys(app.db));
    claimers.set(
      app.db,
      (l = coalescing<RegistrationKeyDoc, boolean>(async (docs) => {
        const held = await insertManyKeyed(coll, [...docs]);
        return docs.map((_, i) => !held.has(i));
      })),
    );
  }
  return l.load({
    _id: keyId(talkId, a.residentId),
    registrationId: a.regId,
    ...(a.idempotencyKey ? { idempotencyKey: a.idempotencyKey } : {}),
    createdAt: a.at,
  });
}

/** Free keys of arrivals that got no registration (the session closed meanwhile, or their walk failed). */
async function releaseKeys(app: AppContext, talkId: Types.ObjectId, arrivals: Arrival[]): Promise<void> {
  if (!arrivals.length) return;
  await collectionOf(RegistrationKeys(app.db)).deleteMany({
    _id: { $in: arrivals.map((a) => keyId(talkId, a.residentId)) },
    registrationId: { $in: arrivals.map((a) => a.regId) },
  });
}

interface Pending<T> {
  resolve(v: T): void;
  reject(err: unknown): void;
  since: number;
}

interface TalkQueue {
  arrivals: Array<Arrival & Pending<Admission>>;
  jobs: Array<{ run(): Promise<unknown> } & Pending<unknown>>;
  /** Several requests may wait for one registration (concurrent retries). */
  waiters: Map<string, Array<Pending<Decided>>>;
}

const queues = new Map<string, TalkQueue>();

function enqueue(app: AppContext, talkId: Types.ObjectId, after: AfterFill, add: (q: TalkQueue) => void): void {
  const key = `${app.db.name}:${String(talkId)}`;
  let q = queues.get(key);
  const start = !q;
  if (!q) queues.set(key, (q = { arrivals: [], jobs: [], waiters: new Map() }));
  add(q);
  if (start) void talkLoop(app, talkId, key, q, after);
}

/** Admit a sign-up: recorded and decided by the next walk of this process's loop. */
export function admit(app: AppContext, talkId: Types.ObjectId, arrival: Arrival, after: AfterFill): Promise<Admission> {
  return new Promise((resolve, reject) => enqueue(app, talkId, after, (q) => q.arrivals.push({ ...arrival, resolve, reject, since: wallNow() })));
}

/** Talks of this process with a fast-lane sign-up under way (one at a time per talk). */
const inFastLane = new Set<string>();

/**
 * Admit a sign-up, by the fast lane (when `TALKS_FAST_LANE` is on) when nobody is queued: this process has no batch waiting for the talk and
 * no other fast-lane sign-up under way, and the last walk it saw left the session open with seats and nobody
 * waiting. Then the resident entry, the seats (the highest numbers this process believes free; walks seat
 * from the lowest) and the registration, confirmed, are inserted without the lease — the unique seat index
 * decides — and the queue document is read: gone or closed means the session changed meanwhile, and the
 * registration gives its seat back (`'again'`: claim a new key and join the batch). A seat refused sends the
 * arrival to the batch at once. Otherwise the arrival joins the talk's batch.
 */
export async function admitFast(app: AppContext, talk: TalkDoc, a: Arrival, after: AfterFill): Promise<Admission | 'again'> {
  const key = `${app.db.name}:${String(talk._id)}`;
  const lane = fastLaneHint(app, talk._id);
  if (!app.config.TALKS_FAST_LANE || !lane?.calm || lane.top < a.seats || queues.has(key) || inFastLane.has(key)) return admit(app, talk._id, a, after);
  inFastLane.add(key);
  try {
    const now = app.clock.now();
    const reg: RegistrationDoc = {
      _id: a.regId,
      talkId: talk._id,
      residentId: a.residentId,
      areaPath: a.areaPath,
      seats: a.seats,
      status: 'confirmed',
      seq: lane.seq + 0.5,
      createdAt: a.at,
      confirmedAt: now,
    };
    await recordEntries(app, [reg]);
    const seats: SeatDoc[] = Array.from({ length: a.seats }, (_, k) => ({
      _id: new Types.ObjectId(),
      talkId: talk._id,
      seatNo: lane.top - k,
      registrationId: a.regId,
      part: k + 1,
      takenAt: now,
    }));
    const refused = await insertManyKeyed(Seats(app.db).collection, seats);
    if (refused.size) {
      noteFastLane(app, talk._id, { ...lane, calm: false }); // until a walk says otherwise
      const got = seats.filter((_, k) => !refused.has(k)).map((x) => x._id);
      if (got.length) await giveBack(app, talk._id, after, () => Seats(app.db).collection.deleteMany({ _id: { $in: got } }));
      return await admit(app, talk._id, { ...a, entered: true }, after);
    }
    const seated = wallNow();
    noteFastLane(app, talk._id, { ...lane, calm: lane.top - a.seats > 0, top: lane.top - a.seats });
    await Registrations(app.db).collection.insertOne(reg);
    // a sign-up that stalled for most of a lease between its seats and its registration may have lost its
    // seats to a recount (seats older than a lease without a confirmed registration are freed): look
    const stalled = wallNow() - seated > LEASE_MS / 2;
    if (!(await queueIsOpen(app, talk._id)) || (stalled && (await Seats(app.db).countDocuments({ registrationId: reg._id })) < a.seats)) {
      // the session changed (or its queue is being recounted): give everything back; a rejected registration is
      // listed nowhere, and its seats would be freed by a recount anyway
      noteFastLane(app, talk._id, { ...lane, calm: false });
      await giveBack(app, talk._id, after, async () => {
        await Registrations(app.db).collection.updateOne({ _id: reg._id, status: 'confirmed' }, { $set: { status: 'rejected', rejectReason: 'TALK_CHANGED' } });
        await Seats(app.db).collection.deleteMany({ registrationId: reg._id });
        await removeHeld(collectionOf(RegistrationKeys(app.db)), { _id: keyId(talk._id, a.residentId), registrationId: reg._id }, 'registrationId');
      });
      return 'again';
    }
    await after(app, talk, { ...emptyResult(), confirmed: [reg] }).catch((err: unknown) =>
      app.logger.error({ err, event: 'talks.after_fill_failed' }, 'queueing reminders after a fast-lane sign-up failed'),
    );
    return { kind: 'decided', reg };
  } finally {
    inFastLane.delete(key);
  }
}

/**
 * A fast-lane sign-up gives back what it took, under the talk's lease: a walk may have counted its seats as
 * taken meanwhile (a recount reads every seat), so the queue's taken numbers are dropped with them and the
 * next walk — the one that follows this job — recounts them and hands the seats to whoever waits. Given back
 * without the lease, such a seat stayed free while the queue believed it taken.
 */
function giveBack(app: AppContext, talkId: Types.ObjectId, after: AfterFill, undo: () => Promise<unknown>): Promise<void> {
  return underTalkLock(app, talkId, after, async () => {
    await undo();
    await forgetTakenSeats(app, talkId);
  });
}

/** Wait until a registration recorded earlier is decided, by whichever walker. */
export function awaitDecision(app: AppContext, talkId: Types.ObjectId, regId: Types.ObjectId, after: AfterFill): Promise<Decided> {
  return new Promise((resolve, reject) => enqueue(app, talkId, after, (q) => addWaiter(q, String(regId), { resolve, reject, since: wallNow() })));
}

/** Run `run` holding the talk's lock, batched with other work of this process; a walk of the queue follows. */
export function underTalkLock<T>(app: AppContext, talkId: Types.ObjectId, after: AfterFill, run: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    enqueue(app, talkId, after, (q) => q.jobs.push({ run, resolve: resolve as (v: unknown) => void, reject, since: wallNow() })),
  );
}

function addWaiter(q: TalkQueue, id: string, w: Pending<Decided>): void {
  const list = q.waiters.get(id);
  if (list) list.push(w);
  else q.waiters.set(id, [w]);
}

const busy = () => new AppError('TALK_BUSY', 503, '报名人数太多，请稍后在“我的报名”查看结果');

/** Sign-ups are taken until the session's sign-up window closes (checked again under the lease). */
export function assertOpenForSignup(app: AppContext, talk: TalkDoc): void {
  const now = app.clock.now();
  if (talk.status === 'cancelled') throw new AppError('TALK_CANCELLED', 409, '本场活动已取消');
  if (talk.status !== 'published') throw new AppError('TALK_CLOSED', 409, '本场活动已停止报名');
  if (now < talk.signupOpensAt) throw new AppError('SIGNUP_NOT_OPEN', 409, '报名还没有开始，请稍后再来');
  if (now >= talk.signupClosesAt || now >= talk.startAt) throw new AppError('SIGNUP_ENDED', 409, '报名已截止');
}

/**
 * Lease held: the registrations of a batch of arrivals (their keys are claimed), in arrival order. Resident
 * entries come before the registrations, so a crash between the two leaves an entry without a registration
 * (skipped when read), never a registration nobody can list.
 */
async function record(app: AppContext, talk: TalkDoc, arrivals: Arrival[]): Promise<RegistrationDoc[]> {
  const regs: RegistrationDoc[] = arrivals.map((a) => ({
    _id: a.regId,
    talkId: talk._id,
    residentId: a.residentId,
    areaPath: a.areaPath,
    seats: a.seats,
    status: 'pending',
    seq: 0,
    createdAt: a.at,
  }));
  await recordEntries(
    app,
    regs.filter((_, i) => !arrivals[i]!.entered),
  );
  return regs;
}

async function talkLoop(app: AppContext, talkId: Types.ObjectId, key: string, q: TalkQueue, after: AfterFill): Promise<void> {
  let attempt = 0;
  const answer = (r: Decided) => {
    for (const w of q.waiters.get(String(r._id)) ?? []) w.resolve(r);
    q.waiters.delete(String(r._id));
  };
  try {
    while (q.arrivals.length || q.jobs.length || q.waiters.size) {
      // a retry waiting on a registration nobody decides (its walk failed) makes this loop walk with a scan
      const stranded = [...q.waiters.values()].some((list) => list.some((w) => wallNow() - w.since > STRANDED_MS));
      const work = q.arrivals.length > 0 || q.jobs.length > 0 || stranded;
      const lock = work ? await tryLock(app, talkId) : null;
      if (lock) {
        attempt = 0;
        const jobs = q.jobs.splice(0);
        const arrivals = q.arrivals.splice(0, BATCH);
        const outcomes: Array<{ ok: boolean; value: unknown }> = [];
        let talk: TalkDoc | null = null;
        let res: FillResult = emptyResult();
        const mine = new Map<string, (typeof arrivals)[number]>();
        arrivals.forEach((a) => mine.set(String(a.regId), a));
        try {
          if (lock.stolen) await forgetQueueState(app, talkId, { places: true });
          for (const job of jobs)
            outcomes.push(
              await job.run().then(
                (value) => ({ ok: true, value }),
                (value: unknown) => ({ ok: false, value }),
              ),
            );
          // a job that failed half-way (a cancellation whose status was written, its waitlist bookkeeping not)
          // leaves the queue and its places to the recount of the walk below
          if (outcomes.some((o) => !o.ok)) await forgetQueueState(app, talkId, { places: true });
          talk = await Talks(app.db).findById(talkId).lean();
          if (!talk) throw new AppError('NOT_FOUND', 404, '活动不存在');
          let open = arrivals;
          if (arrivals.length) {
            try {
              assertOpenForSignup(app, talk);
            } catch (err) {
              open = [];
              await releaseKeys(app, talkId, arrivals);
              for (const a of arrivals) {
                mine.delete(String(a.regId));
                a.reject(err);
                for (const w of q.waiters.get(String(a.regId)) ?? []) w.reject(err);
                q.waiters.delete(String(a.regId));
              }
            }
          }
          const fresh = await record(app, talk, open);
          if (fresh.length || jobs.length || lock.stolen || stranded) res = await fillOnce(app, talk, { scanArrivals: lock.stolen || stranded, fresh });
        } catch (err) {
          while (outcomes.length < jobs.length) outcomes.push({ ok: false, value: err });
          for (const a of mine.values()) a.reject(err);
          // arrivals whose registration was not inserted give their keys back, so a retry can sign up again
          const stored = new Set(
            (
              await Registrations(app.db)
                .find({ _id: { $in: [...mine.values()].map((a) => a.regId) } }, { _id: 1 })
                .lean()
                .catch(() => [])
            ).map((r) => String(r._id)),
          );
          await releaseKeys(
            app,
            talkId,
            [...mine.values()].filter((a) => !stored.has(String(a.regId))),
          ).catch(() => undefined);
          mine.clear();
        } finally {
          await unlock(app, talkId, lock);
          jobs.forEach((job, i) => (outcomes[i]?.ok ? job.resolve(outcomes[i]!.value) : job.reject(outcomes[i]?.value)));
        }
        const decided: Decided[] = [...res.confirmed, ...res.promoted, ...res.rejected, ...res.waitlisted.map((w) => ({ ...w.reg, position: w.position }))];
        const answered = decided.flatMap((r) => {
          const a = mine.get(String(r._id));
          mine.delete(String(r._id));
          return a ? [{ a, r }] : [];
        });
        // recorded but decided by nobody yet (cannot happen with the walk above, but never leave one hanging)
        for (const a of mine.values())
          addWaiter(q, String(a.regId), { resolve: (reg) => a.resolve({ kind: 'decided', reg }), reject: a.reject, since: a.since });
        // the notices of this walk are queued, then its sign-ups answered, while the next batch already walks
        const done = talk
          ? after(app, talk, res).catch((err: unknown) => app.logger.error({ err, event: 'talks.after_fill_failed' }, 'queueing notices after a walk failed'))
          : Promise.resolve();
        void done.then(() => {
          for (const { a, r } of answered) a.resolve({ kind: 'decided', reg: r });
          decided.forEach(answer);
        });
      } else if (q.arrivals.length || q.jobs.length) {
        await sleep(backoffMs(attempt++, 10, 100));
      } else {
        // nothing to do but wait for a walker elsewhere (whose lease this loop may not take while it is held):
        // sleep, and look again at most every IDLE_MS
        await sleep(backoffMs(attempt++, 20, IDLE_MS, false));
      }
      if (q.waiters.size) {
        // registrations decided by another walker (the sweep, a staff edit, another process): one read for
        // all of them, and one read of the talk's waitlist head for the places of those waitlisted
        const ids = [...q.waiters.keys()].map((id) => new Types.ObjectId(id));
        const found = await Registrations(app.db)
          .find({ _id: { $in: ids }, status: { $ne: 'pending' } })
          .batchSize(ids.length + 1)
          .lean<RegistrationDoc[]>();
        // A waitlisted one is answered once its place is in the bookkeeping: the walker writes statuses first
        // and its bookkeeping last, and a place counted in between can be given twice. Until then it waits; once
        // stranded and this loop has just walked (holding the lease, it recounted), a place may be counted.
        const waiting = found.filter((r) => r.status === 'waitlisted');
        const places = waiting.length ? await waitlistPlaces(app, waiting, { counted: stranded && !!lock }) : new Map<string, number>();
        for (const r of found) {
          if (r.status !== 'waitlisted') answer(r);
          else if (places.has(String(r._id))) answer({ ...r, position: places.get(String(r._id))! });
        }
      }
      const now = wallNow();
      for (const [id, list] of q.waiters) {
        const expired = list.filter((w) => now - w.since >= WAIT_MS);
        expired.forEach((w) => w.reject(busy()));
        if (expired.length === list.length) q.waiters.delete(id);
        else if (expired.length)
          q.waiters.set(
            id,
            list.filter((w) => !expired.includes(w)),
          );
      }
      for (const list of [q.jobs, q.arrivals] as Array<Array<Pending<never>>>) {
        for (const p of list.filter((x) => now - x.since >= WAIT_MS)) {
          p.reject(busy());
          list.splice(list.indexOf(p), 1);
        }
      }
    }
  } catch (err) {
    for (const list of q.waiters.values()) list.forEach((w) => w.reject(err));
    for (const j of [...q.jobs, ...q.arrivals]) j.reject(err);
    q.waiters.clear();
    q.jobs.length = 0;
    q.arrivals.length = 0;
  } finally {
    queues.delete(key);
  }
}
