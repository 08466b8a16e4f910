import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { insertInOrder, insertManyKeyed, isDuplicateKey } from '../../db/model';
import { LEASE_MS, tryLock, unlock, wallNow } from './talk-lock';
import { RegistrationKeys, Registrations, Seats, TalkQueues, Talks, type RegistrationDoc, type SeatDoc, type TalkDoc } from './talks.model';

/**
 * One walk of a talk's queue, run by the holder of the talk's lease: promote the waitlist in queue order, then
 * decide the arrivals (`pending` registrations) in `_id` order. Seats are slot documents under unique
 * (talkId, seatNo) and (registrationId, part): a walk plans its seats in memory and inserts them at once; a
 * duplicate key (a stalled walker woke up after its lease, or a dead walk's seats) sends that page down the
 * one-seat-at-a-time path, where the unique indexes decide.
 */

export interface FillResult {
  /** Newly seated straight from arrival. */
  confirmed: RegistrationDoc[];
  /** Seated from the waitlist. */
  promoted: RegistrationDoc[];
  /** Arrivals put on the waitlist, with their position at that moment. */
  waitlisted: Array<{ reg: RegistrationDoc; position: number }>;
  rejected: RegistrationDoc[];
}

export const emptyResult = (): FillResult => ({ confirmed: [], promoted: [], waitlisted: [], rejected: [] });

/** Seats may still be handed out (to arrivals and to the waitlist) until the session starts. */
const seatingOpen = (app: AppContext, talk: TalkDoc): boolean =>
  (talk.status === 'published' || talk.status === 'closed') && app.clock.now() < talk.startAt;

interface QueueState {
  seq: number;
  /** Registration ids in queue order. */
  waitlist: string[];
  taken: Set<number>;
}

/**
 * The talk's queue bookkeeping, kept in one document that only the lease holder writes. A missing document
 * (first walk, forgotten after a session cancel or a dead holder) or missing taken seats are recounted.
 */
async function loadQueueState(app: AppContext, talk: TalkDoc): Promise<{ state: QueueState; recounted: boolean; dirty: boolean }> {
  const s = await TalkQueues(app.db).collection.findOne({ _id: String(talk._id) } as never);
  const taken = async () => {
    const seats = await Seats(app.db).find({ talkId: talk._id }, { seatNo: 1, registrationId: 1 }).lean();
    if (!seats.length) return new Set<number>();
    // seats of a walk that died between inserting its seats and its registrations (or its status change), or
    // of a sign-up that gave its fast-lane seat back, hold nobody: free them once they are older than a lease
    const live = new Set((await Registrations(app.db).find({ _id: { $in: [...new Set(seats.map((x) => String(x.registrationId)))] }, status: 'confirmed' }, { _id: 1 }).lean()).map((r) => String(r._id)));
    const orphans = seats.filter((x) => !live.has(String(x.registrationId)) && wallNow() - x._id.getTimestamp().getTime() > LEASE_MS);
    if (orphans.length) await Seats(app.db).collection.deleteMany({ _id: { $in: orphans.map((x) => x._id) } });
    const gone = new Set(orphans);
    return new Set(seats.filter((x) => !gone.has(x)).map((x) => x.seatNo));
  };
  if (s) {
    const known = s.taken as number[] | undefined;
    return { state: { seq: s.seq as number, waitlist: (s.waitlist as string[] | undefined) ?? [], taken: known ? new Set(known) : await taken() }, recounted: false, dirty: !known };
  }
  const regs = Registrations(app.db);
  const [waiting, last, seats] = await Promise.all([
    regs.find({ talkId: talk._id, status: 'waitlisted' }, { _id: 1 }).sort({ seq: 1, _id: 1 }).lean(),
    regs.findOne({ talkId: talk._id }, { seq: 1 }).sort({ seq: -1 }).lean(),
    taken(),
  ]);
  return { state: { seq: last?.seq ?? 0, waitlist: waiting.map((r) => String(r._id)), taken: seats }, recounted: true, dirty: true };
}

/**
 * The fast lane (`admission.ts`): while a session is open for sign-up, nobody waits and seats are left, a
 * sign-up may take a seat without the lease — the unique seat index decides — and insert its registration
 * confirmed. The lease holder writes `open` (the session takes sign-ups) in the queue document; a staff edit,
 * status change or cancellation removes the document under the lease before it looks at registrations, so a
 * fast-lane sign-up that reads the document after inserting its registration either sees the change (and gives
 * its seat back) or was inserted before the change looked, and is treated like any other registration.
 */
const openOf = (app: AppContext, talk: TalkDoc): boolean => {
  const now = app.clock.now();
  return talk.status === 'published' && now >= talk.signupOpensAt && now < talk.signupClosesAt && now < talk.startAt;
};

/**
 * What this process last saw of a talk's fast lane: open or not, the highest seat number it may try, and the
 * number of the last walk (a fast-lane registration is queued between that walk and the next: `seq + 0.5`).
 */
export interface FastLane {
  calm: boolean;
  top: number;
  seq: number;
}
const lanes = new Map<string, FastLane>();
const LANES_CAP = 5_000;
const laneKey = (app: AppContext, talkId: Types.ObjectId) => `${app.db.name}:${String(talkId)}`;

export function fastLaneHint(app: AppContext, talkId: Types.ObjectId): FastLane | undefined {
  return lanes.get(laneKey(app, talkId));
}

export function noteFastLane(app: AppContext, talkId: Types.ObjectId, lane: FastLane): void {
  if (lanes.size >= LANES_CAP) lanes.clear();
  lanes.set(laneKey(app, talkId), lane);
}

const highestFree = (talk: TalkDoc, taken: Set<number>) => {
  for (let n = talk.capacity; n >= 1; n--) if (!taken.has(n)) return n;
  return 0;
};

async function saveQueueState(app: AppContext, talk: TalkDoc, s: QueueState): Promise<void> {
  const open = openOf(app, talk);
  await TalkQueues(app.db).collection.replaceOne({ _id: String(talk._id) } as never, { seq: s.seq, waitlist: s.waitlist, taken: [...s.taken].sort((a, b) => a - b), open }, { upsert: true });
  const top = highestFree(talk, s.taken);
  noteFastLane(app, talk._id, { calm: open && s.waitlist.length === 0 && top > 0, top, seq: s.seq });
}

/** Lock held, the talk just published: an empty queue whose fast lane is open. */
export async function openQueue(app: AppContext, talk: TalkDoc): Promise<void> {
  await saveQueueState(app, talk, { seq: 0, waitlist: [], taken: new Set() });
}

/** The fast lane's check after inserting its registration: does the session still take sign-ups? */
export async function queueIsOpen(app: AppContext, talkId: Types.ObjectId): Promise<boolean> {
  const s = await TalkQueues(app.db).collection.findOne({ _id: String(talkId) } as never);
  return s?.open === true;
}

/** Call with the lock held after changing the queue outside a walk (or when a dead holder's lock was taken). */
export async function forgetQueueState(app: AppContext, talkId: Types.ObjectId): Promise<void> {
  await TalkQueues(app.db).collection.deleteOne({ _id: String(talkId) } as never);
  lanes.delete(laneKey(app, talkId));
}

/** Lock held: a registration left the queue outside a walk (cancelled); its seats are recounted next walk. */
export async function leaveQueue(app: AppContext, talkId: Types.ObjectId, regId?: Types.ObjectId): Promise<void> {
  const s = await TalkQueues(app.db).collection.findOne({ _id: String(talkId) } as never);
  if (!s) return;
  await TalkQueues(app.db).collection.replaceOne({ _id: String(talkId) } as never, { seq: s.seq, waitlist: (s.waitlist as string[]).filter((id) => id !== String(regId)), ...(s.open === undefined ? {} : { open: s.open }) });
  lanes.delete(laneKey(app, talkId));
}

/** Lock held: seats were freed outside a walk; the next walk recounts the taken numbers. */
export const forgetTakenSeats = (app: AppContext, talkId: Types.ObjectId): Promise<void> => leaveQueue(app, talkId);

/** 1-based places of the talk's waitlist by registration id, from its queue document (empty if it is missing). */
export async function waitlistPlaces(app: AppContext, talkId: Types.ObjectId): Promise<Map<string, number>> {
  const s = await TalkQueues(app.db).collection.findOne({ _id: String(talkId) } as never);
  return new Map(((s?.waitlist as string[] | undefined) ?? []).map((id, i) => [id, i + 1]));
}

/** 1-based place of a waitlisted registration, read from the talk's queue document (counted if it is missing). */
export async function waitlistPosition(app: AppContext, r: Pick<RegistrationDoc, '_id' | 'talkId' | 'seq'>): Promise<number> {
  const s = await TalkQueues(app.db).collection.findOne({ _id: String(r.talkId) } as never);
  const at = (s?.waitlist as string[] | undefined)?.indexOf(String(r._id)) ?? -1;
  if (at >= 0) return at + 1;
  const ahead = { $or: [{ seq: { $lt: r.seq } }, { seq: r.seq, _id: { $lt: r._id } }] };
  return 1 + (await Registrations(app.db).countDocuments({ talkId: r.talkId, status: 'waitlisted', ...ahead }));
}

const freeList = (talk: TalkDoc, taken: Set<number>) => {
  const free: number[] = [];
  for (let n = 1; n <= talk.capacity; n++) if (!taken.has(n)) free.push(n);
  return free;
};

/** One seat at a time, for pages where a batch insert met a duplicate key: the unique indexes decide. */
async function takeSeatsOneByOne(app: AppContext, r: RegistrationDoc, free: number[], taken: Set<number>): Promise<boolean> {
  const seats = Seats(app.db).collection;
  const mine: Array<{ id: Types.ObjectId; seatNo: number }> = [];
  for (let part = 1; part <= r.seats; part++) {
    for (;;) {
      const seatNo = free.shift();
      if (seatNo === undefined) {
        if (mine.length) await seats.deleteMany({ _id: { $in: mine.map((m) => m.id) } });
        free.push(...mine.map((m) => m.seatNo));
        free.sort((a, b) => a - b);
        mine.forEach((m) => taken.delete(m.seatNo));
        return false;
      }
      const _id = new Types.ObjectId();
      try {
        await seats.insertOne({ _id, talkId: r.talkId, seatNo, registrationId: r._id, part, takenAt: app.clock.now() });
        mine.push({ id: _id, seatNo });
        taken.add(seatNo);
        break;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const held = await seats.findOne({ registrationId: r._id, part });
        if (held) {
          // this part is already held (a walk that stopped before writing the status): keep the number free
          free.unshift(seatNo);
          taken.add(held.seatNo as number);
          break;
        }
        taken.add(seatNo); // someone else's
      }
    }
  }
  return true;
}

type Fits = (r: RegistrationDoc, free: number[]) => boolean;

/**
 * Queue order: a registration is seated if the seats it asked for are free and nobody ahead is blocked; with
 * a waitlist, the first who does not fit blocks everyone behind (nobody is skipped).
 */
const inQueueOrder = (talk: TalkDoc, blocked: boolean) => (): Fits => {
  let b = blocked;
  return (r, free) => {
    if (!b && r.seats <= free.length) return true;
    b ||= talk.waitlistEnabled;
    return false;
  };
};

/**
 * Seat a page of registrations in queue order; `makeFits` gives a fresh decision rule per pass. Every seat is
 * planned in memory and inserted in one command. If the plan meets a duplicate key, its own inserted seats are
 * removed and the page is seated one seat at a time. Returns, per registration, whether it was seated.
 */
async function seatPage(app: AppContext, talk: TalkDoc, state: QueueState, regs: RegistrationDoc[], makeFits: () => Fits): Promise<boolean[]> {
  const free = freeList(talk, state.taken);
  const fits = makeFits();
  const plan: SeatDoc[] = [];
  const now = app.clock.now();
  const outcome = regs.map((r) => {
    if (!fits(r, free)) return false;
    for (let part = 1; part <= r.seats; part++) plan.push({ _id: new Types.ObjectId(), talkId: talk._id, seatNo: free.shift()!, registrationId: r._id, part, takenAt: now });
    return true;
  });
  const refused = await insertManyKeyed(Seats(app.db).collection, plan);
  if (!refused.size) {
    plan.forEach((p) => state.taken.add(p.seatNo));
    return outcome;
  }
  const inserted = plan.filter((_, i) => !refused.has(i)).map((p) => p._id);
  if (inserted.length) await Seats(app.db).collection.deleteMany({ _id: { $in: inserted } });
  // recount: a registration may already hold its seats (a walk that stopped before writing its status)
  const all = await Seats(app.db).find({ talkId: talk._id }, { seatNo: 1, registrationId: 1 }).lean();
  state.taken = new Set(all.map((x) => x.seatNo));
  const holds = new Map<string, number>();
  for (const x of all) holds.set(String(x.registrationId), (holds.get(String(x.registrationId)) ?? 0) + 1);
  const slow = freeList(talk, state.taken);
  const slowFits = makeFits();
  const out: boolean[] = [];
  for (const r of regs) {
    if ((holds.get(String(r._id)) ?? 0) >= r.seats) out.push(true);
    else out.push(slowFits(r, slow) && (await takeSeatsOneByOne(app, r, slow, state.taken)));
  }
  return out;
}

/**
 * Seat a page of new arrivals (registrations not in the database yet, so holding no seat) in queue order, the
 * seats inserted in order in one command. A seat number the plan believed free may be taken outside this
 * walk (a fast-lane sign-up, the seats of a walk that died): the insert stops there, that number is marked
 * taken, the registration it was for gives back the parts it got in this round, and the page is planned
 * again from that registration; the first such refusal recounts the taken numbers (one read), so a page costs
 * a few more commands, never one per seat.
 */
async function seatFresh(app: AppContext, talk: TalkDoc, state: QueueState, regs: RegistrationDoc[], makeFits: () => Fits): Promise<boolean[]> {
  const out = regs.map(() => false);
  const now = app.clock.now();
  let fits = makeFits();
  let recounted = false;
  for (let from = 0; from < regs.length; ) {
    const free = freeList(talk, state.taken);
    const plan: SeatDoc[] = [];
    const owner: number[] = [];
    for (let i = from; i < regs.length; i++) {
      const r = regs[i]!;
      out[i] = fits(r, free);
      if (!out[i]) continue;
      for (let part = 1; part <= r.seats; part++) {
        plan.push({ _id: new Types.ObjectId(), talkId: talk._id, seatNo: free.shift()!, registrationId: r._id, part, takenAt: now });
        owner.push(i);
      }
    }
    const at = await insertInOrder(Seats(app.db).collection, plan);
    plan.slice(0, at).forEach((p) => state.taken.add(p.seatNo));
    if (at === plan.length) break;
    const i = owner[at]!;
    const given = plan.slice(0, at).filter((_, k) => owner[k] === i);
    if (given.length) await Seats(app.db).collection.deleteMany({ _id: { $in: given.map((p) => p._id) } });
    // the first refusal of a walk recounts the taken numbers (fast-lane seats may be many), later ones only
    // mark the refused number: no probing one number at a time
    if (!recounted) {
      recounted = true;
      state.taken = new Set((await Seats(app.db).find({ talkId: talk._id }, { seatNo: 1 }).lean()).map((x) => x.seatNo));
    }
    state.taken.add(plan[at]!.seatNo);
    given.forEach((p) => state.taken.delete(p.seatNo));
    // everyone before `i` keeps its decision (a refusal there blocks `i` too when the waitlist is on, so
    // `i` was preceded only by seated registrations or by refusals that block nobody): decide again from `i`
    fits = makeFits();
    from = i;
  }
  return out;
}

export interface WalkOptions {
  /** Also look for `pending` arrivals recorded outside this holder's batch (crash recovery, the sweep). */
  scanArrivals: boolean;
  /**
   * Arrivals this holder admits now, in order, not yet in the database (their keys are): each registration
   * is inserted once, with the status the walk gave it — no `pending` document and no status update.
   */
  fresh?: RegistrationDoc[];
}

/**
 * One walk of the queue, called with the lock held. First the waitlist in queue order: promote whoever fits
 * until the first who does not (nobody is skipped). Then the arrivals in `_id` order: a seat if nobody is
 * waiting ahead and one fits, else a waitlist place while it has room, else a rejection (its key is freed so
 * the resident may try again later). Arrivals decided in this walk share its number `seq`; the queue order is
 * (seq, _id), i.e. the order in which the walks saw them.
 */
export async function fillOnce(app: AppContext, talk: TalkDoc, o: WalkOptions = { scanArrivals: true }): Promise<FillResult> {
  try {
    return await walk(app, talk, o);
  } catch (err) {
    // a walk that failed half-way may have moved registrations without saving the bookkeeping
    await forgetQueueState(app, talk._id).catch(() => undefined);
    throw err;
  }
}

async function walk(app: AppContext, talk: TalkDoc, o: WalkOptions): Promise<FillResult> {
  const regs = Registrations(app.db);
  const result = emptyResult();
  const open = seatingOpen(app, talk);
  const { state, recounted, dirty } = await loadQueueState(app, talk);
  const before = JSON.stringify(state.waitlist);
  let blocked = !open;
  const now = app.clock.now();
  const freeCount = () => talk.capacity - state.taken.size;

  // 1. The waitlist, in queue order (each promotion takes a seat, so at most freeCount() can move).
  if (open && state.waitlist.length > 0 && freeCount() > 0) {
    const head = (await Promise.all(state.waitlist.slice(0, freeCount() + 1).map((id) => regs.findById(id).lean<RegistrationDoc>())))
      .filter((r): r is RegistrationDoc => r?.status === 'waitlisted');
    const seated = await seatPage(app, talk, state, head, inQueueOrder(talk, false));
    result.promoted = head.filter((_, i) => seated[i]).map((r) => ({ ...r, status: 'confirmed' as const, confirmedAt: now, promotedAt: now }));
    if (result.promoted.length) {
      await regs.collection.updateMany({ _id: { $in: result.promoted.map((r) => r._id) } }, { $set: { status: 'confirmed', confirmedAt: now, promotedAt: now } });
      const gone = new Set(result.promoted.map((r) => String(r._id)));
      state.waitlist = state.waitlist.filter((id) => !gone.has(id));
    }
  }
  if (state.waitlist.length > 0 && talk.waitlistEnabled) blocked = true;

  // 2. Arrivals, in the order they were recorded.
  const pages: Array<{ page: RegistrationDoc[]; stored: boolean }> = [];
  if (o.scanArrivals || recounted) {
    let after: Types.ObjectId | undefined;
    for (;;) {
      const page = await regs.find({ talkId: talk._id, status: 'pending', ...(after ? { _id: { $gt: after } } : {}) }).sort({ _id: 1 }).limit(500).lean();
      if (!page.length) break;
      pages.push({ page, stored: true });
      after = page[page.length - 1]!._id;
    }
  }
  // recorded arrivals (crash recovery) were there first; this holder's own come after them
  if (o.fresh?.length) pages.push({ page: o.fresh, stored: false });
  const seq = pages.length ? state.seq + 1 : state.seq;
  for (const { page, stored } of pages) {
    const seated: RegistrationDoc[] = [];
    const toWaitlist: RegistrationDoc[] = [];
    const toReject: RegistrationDoc[] = [];
    const outcome = await (stored ? seatPage : seatFresh)(app, talk, state, page, inQueueOrder(talk, blocked));
    page.forEach((r, i) => {
      if (outcome[i]) return void seated.push(r);
      if (talk.waitlistEnabled) blocked = true;
      if (open && talk.waitlistEnabled && (talk.waitlistCap === 0 || state.waitlist.length < talk.waitlistCap)) {
        toWaitlist.push(r);
        state.waitlist.push(String(r._id));
        result.waitlisted.push({ reg: { ...r, status: 'waitlisted', seq }, position: state.waitlist.length });
      } else toReject.push(r);
    });
    const reason = open ? (talk.waitlistEnabled ? 'WAITLIST_FULL' : 'TALK_FULL') : 'TALK_CLOSED';
    const decided = {
      confirmed: seated.map((r) => ({ ...r, status: 'confirmed' as const, confirmedAt: now, seq })),
      waitlisted: toWaitlist.map((r) => ({ ...r, status: 'waitlisted' as const, seq })),
      rejected: toReject.map((r) => ({ ...r, status: 'rejected' as const, rejectReason: reason })),
    };
    if (!stored) {
      // one insert for the page, each registration with its decided status
      const docs = [...decided.confirmed, ...decided.waitlisted, ...decided.rejected];
      if (docs.length) await regs.collection.insertMany(docs);
    } else {
      if (seated.length) await regs.collection.updateMany({ _id: { $in: seated.map((r) => r._id) } }, { $set: { status: 'confirmed', confirmedAt: now, seq } });
      if (toWaitlist.length) await regs.collection.updateMany({ _id: { $in: toWaitlist.map((r) => r._id) } }, { $set: { status: 'waitlisted', seq } });
      if (toReject.length) await regs.collection.updateMany({ _id: { $in: toReject.map((r) => r._id) } }, { $set: { status: 'rejected', rejectReason: reason } });
    }
    if (toReject.length) {
      await RegistrationKeys(app.db).collection.deleteMany({ _id: { $in: toReject.map((r) => `${r.talkId}:${r.residentId}`) }, registrationId: { $in: toReject.map((r) => r._id) } } as never);
    }
    result.confirmed.push(...decided.confirmed);
    result.rejected.push(...decided.rejected);
  }
  state.seq = seq;
  if (dirty || pages.length || result.promoted.length || before !== JSON.stringify(state.waitlist)) await saveQueueState(app, talk, state);
  return result;
}

/** Is there something a walk would change? (an arrival to decide, or a waitlist head that fits the free seats) */
async function workRemains(app: AppContext, talk: TalkDoc): Promise<boolean> {
  const regs = Registrations(app.db);
  if (await regs.exists({ talkId: talk._id, status: 'pending' })) return true;
  if (!seatingOpen(app, talk)) return false;
  const head = await regs.findOne({ talkId: talk._id, status: 'waitlisted' }).sort({ seq: 1, _id: 1 }).lean();
  if (!head) return false;
  return head.seats <= talk.capacity - (await Seats(app.db).countDocuments({ talkId: talk._id }));
}

export type AfterFill = (app: AppContext, talk: TalkDoc, r: FillResult) => Promise<void>;

/**
 * Walk the queue if nobody else is (the sweep, a staff edit). A caller that finds the lock taken returns at
 * once: its change was made before it tried the lock, so the holder's walk sees it.
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
