import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { collectionOf, wallNow } from '../../db/coordination';
import { insertInOrder, insertManyKeyed, isDuplicateKey } from '../../db/model';
import { LEASE_MS, tryLock, unlock } from './talk-lock';
import {
  RegistrationKeys,
  Registrations,
  Seats,
  TalkQueues,
  Talks,
  WaitlistHeads,
  type RegistrationDoc,
  type SeatDoc,
  type TalkDoc,
  type WaitlistHeadDoc,
} from './talks.model';

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
const seatingOpen = (app: AppContext, talk: TalkDoc): boolean => (talk.status === 'published' || talk.status === 'closed') && app.clock.now() < talk.startAt;

/** Where the waitlist stands in ticket numbers (`WaitlistHeadDoc`). */
type Heads = Omit<WaitlistHeadDoc, '_id'>;
const headsOf = (d: Record<string, unknown>): Heads => ({
  head: d.head as number,
  next: d.next as number,
  gone: (d.gone as number[] | undefined) ?? [],
  untracked: (d.untracked as number | undefined) ?? 0,
});

interface QueueState {
  seq: number;
  /** Registration ids in queue order. */
  waitlist: string[];
  taken: Set<number>;
  heads: Heads;
  /** `heads` as last written (empty when it must be written). */
  savedHeads: string;
}

/** How many wait with a ticket the bookkeeping follows. */
const tracked = (h: Heads) => h.next - h.head - h.gone.length;

/**
 * A waitlisted registration left (promoted or cancelled). A tracked ticket at the head moves the head past it
 * and past tickets gone before; one above the head is remembered as gone; an untracked one (no ticket, or
 * below the head) lowers the untracked count.
 */
function depart(h: Heads, ticket: number | undefined): void {
  if (ticket === undefined || ticket < h.head) h.untracked = Math.max(0, h.untracked - 1);
  else if (ticket >= h.next || h.gone.includes(ticket)) return;
  else if (ticket > h.head) {
    h.gone.push(ticket);
    h.gone.sort((a, b) => a - b);
  } else {
    h.head++;
    while (h.gone[0] === h.head) {
      h.gone.shift();
      h.head++;
    }
  }
}

/**
 * Registrations waitlisted without a ticket (`pending` ones recorded by a walker of an older version, decided
 * now): they wait behind those already waiting, so from here on everyone waiting is counted, not placed by
 * ticket, until they have left.
 */
function untrack(h: Heads, n: number): void {
  h.untracked += tracked(h) + n;
  h.head = h.next;
  h.gone = [];
}

/** 1-based place of a ticket, or undefined when the bookkeeping does not follow it (then it is counted). */
function placeOf(h: Heads, ticket: number | undefined): number | undefined {
  if (ticket === undefined || ticket < h.head || ticket >= h.next || h.gone.includes(ticket)) return undefined;
  return h.untracked + ticket - h.head + 1 - h.gone.filter((g) => g < ticket).length;
}

/**
 * The ticket bookkeeping of a recounted waitlist (its tickets in queue order). Registrations without a
 * ticket (waitlisted before tickets existed) ahead of tickets that rise in queue order: those are untracked,
 * the numbers missing between the tickets are gone. Any other shape (tickets given twice by a walker that
 * stalled past its lease) leaves everyone waiting untracked. No registration is written: on FerretDB every
 * update is a scan under the write lock.
 */
function recountTickets(waiting: Array<Pick<RegistrationDoc, 'ticket'>>, next: number): Heads {
  const tickets = waiting.map((r) => r.ticket);
  const from = tickets.findIndex((t) => t !== undefined);
  const rest = from < 0 ? [] : tickets.slice(from);
  const top = Math.max(next, ...tickets.map((t) => (t ?? 0) + 1));
  if (!rest.length || !rest.every((t, i) => t !== undefined && (i === 0 || t > rest[i - 1]!)))
    return { head: top, next: top, gone: [], untracked: waiting.length };
  const [first, last] = [rest[0]!, rest[rest.length - 1]!];
  const have = new Set(rest);
  const gone: number[] = [];
  for (let t = first + 1; t < last; t++) if (!have.has(t)) gone.push(t);
  return { head: first, next: top, gone, untracked: from };
}

/**
 * The talk's queue bookkeeping, kept in two documents that only the lease holder writes. A missing queue
 * document (first walk, forgotten after a staff edit, a session cancel or a dead holder) or head document
 * (a failed walk, a dead holder, registrations from before tickets) means recount; missing taken seats are
 * recounted.
 */
async function loadQueueState(app: AppContext, talk: TalkDoc): Promise<{ state: QueueState; recounted: boolean; dirty: boolean }> {
  const [s, h] = await Promise.all([
    collectionOf(TalkQueues(app.db)).findOne({ _id: String(talk._id) }),
    collectionOf(WaitlistHeads(app.db)).findOne({ _id: String(talk._id) }),
  ]);
  const taken = async () => {
    const seats = await Seats(app.db).find({ talkId: talk._id }, { seatNo: 1, registrationId: 1 }).lean();
    if (!seats.length) return new Set<number>();
    // seats of a walk that died between inserting its seats and its registrations (or its status change), or
    // of a sign-up that gave its fast-lane seat back, hold nobody: free them once they are older than a lease
    const live = new Set(
      (
        await Registrations(app.db)
          .find({ _id: { $in: [...new Set(seats.map((x) => String(x.registrationId)))] }, status: 'confirmed' }, { _id: 1 })
          .lean()
      ).map((r) => String(r._id)),
    );
    const orphans = seats.filter((x) => !live.has(String(x.registrationId)) && wallNow() - x._id.getTimestamp().getTime() > LEASE_MS);
    if (orphans.length) await Seats(app.db).collection.deleteMany({ _id: { $in: orphans.map((x) => x._id) } });
    const gone = new Set(orphans);
    return new Set(seats.filter((x) => !gone.has(x)).map((x) => x.seatNo));
  };
  if (s && h) {
    const known = s.taken as number[] | undefined;
    const heads = headsOf(h);
    return {
      state: {
        seq: s.seq as number,
        waitlist: (s.waitlist as string[] | undefined) ?? [],
        taken: known ? new Set(known) : await taken(),
        heads,
        savedHeads: JSON.stringify(heads),
      },
      recounted: false,
      dirty: !known,
    };
  }
  const regs = Registrations(app.db);
  const [waiting, last, seats] = await Promise.all([
    regs.find({ talkId: talk._id, status: 'waitlisted' }, { _id: 1, ticket: 1 }).sort({ seq: 1, _id: 1 }).lean(),
    regs.findOne({ talkId: talk._id }, { seq: 1 }).sort({ seq: -1 }).lean(),
    taken(),
  ]);
  const heads = recountTickets(waiting, (h?.next as number | undefined) ?? 1);
  return { state: { seq: last?.seq ?? 0, waitlist: waiting.map((r) => String(r._id)), taken: seats, heads, savedHeads: '' }, recounted: true, dirty: true };
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
  const heads =
    JSON.stringify(s.heads) === s.savedHeads ? null : collectionOf(WaitlistHeads(app.db)).replaceOne({ _id: String(talk._id) }, s.heads, { upsert: true });
  await Promise.all([
    collectionOf(TalkQueues(app.db)).replaceOne(
      { _id: String(talk._id) },
      { seq: s.seq, waitlist: s.waitlist, taken: [...s.taken].sort((a, b) => a - b), open },
      { upsert: true },
    ),
    heads,
  ]);
  const top = highestFree(talk, s.taken);
  noteFastLane(app, talk._id, { calm: open && s.waitlist.length === 0 && top > 0, top, seq: s.seq });
}

/** Lock held, the talk just published: an empty queue whose fast lane is open. */
export async function openQueue(app: AppContext, talk: TalkDoc): Promise<void> {
  await saveQueueState(app, talk, { seq: 0, waitlist: [], taken: new Set(), heads: { head: 1, next: 1, gone: [], untracked: 0 }, savedHeads: '' });
}

/** The fast lane's check after inserting its registration: does the session still take sign-ups? */
export async function queueIsOpen(app: AppContext, talkId: Types.ObjectId): Promise<boolean> {
  const s = await collectionOf(TalkQueues(app.db)).findOne({ _id: String(talkId) });
  return s?.open === true;
}

/**
 * Call with the lock held after changing the session outside a walk (a staff edit, a status change): the next
 * walk recounts. `places`: the waitlist may have moved without its bookkeeping (a walk that failed half-way, a
 * dead holder's lease taken), so places are counted until that walk; a staff edit keeps them.
 */
export async function forgetQueueState(app: AppContext, talkId: Types.ObjectId, o: { places?: boolean } = {}): Promise<void> {
  await Promise.all([
    collectionOf(TalkQueues(app.db)).deleteOne({ _id: String(talkId) }),
    o.places ? collectionOf(WaitlistHeads(app.db)).deleteOne({ _id: String(talkId) }) : null,
  ]);
  lanes.delete(laneKey(app, talkId));
}

/** Lock held: a registration left the queue outside a walk (cancelled); its seats are recounted next walk. */
export async function leaveQueue(app: AppContext, reg: Pick<RegistrationDoc, '_id' | 'talkId' | 'status' | 'ticket'>): Promise<void> {
  const id = String(reg.talkId);
  const [s, h] = await Promise.all([
    collectionOf(TalkQueues(app.db)).findOne({ _id: id }),
    reg.status === 'waitlisted' ? collectionOf(WaitlistHeads(app.db)).findOne({ _id: id }) : null,
  ]);
  const heads = h && headsOf(h);
  if (heads) depart(heads, reg.ticket);
  await Promise.all([s && withoutTaken(app, id, s, String(reg._id)), heads && collectionOf(WaitlistHeads(app.db)).replaceOne({ _id: id }, heads)]);
  lanes.delete(laneKey(app, reg.talkId));
}

/** Lock held: seats were freed outside a walk; the next walk recounts the taken numbers. */
export async function forgetTakenSeats(app: AppContext, talkId: Types.ObjectId): Promise<void> {
  const s = await collectionOf(TalkQueues(app.db)).findOne({ _id: String(talkId) });
  if (s) await withoutTaken(app, String(talkId), s);
  lanes.delete(laneKey(app, talkId));
}

/** The queue document rewritten without its taken seat numbers (so the next walk recounts them), and without `regId` in its waitlist. */
const withoutTaken = (app: AppContext, id: string, s: { seq: number; waitlist: string[]; open?: boolean }, regId?: string) =>
  collectionOf(TalkQueues(app.db)).replaceOne(
    { _id: id },
    { seq: s.seq, waitlist: s.waitlist.filter((w) => w !== regId), ...(s.open === undefined ? {} : { open: s.open }) },
  );

type Placed = Pick<RegistrationDoc, '_id' | 'talkId' | 'seq' | 'ticket'>;

/**
 * 1-based places of waitlisted registrations by id: from each one's ticket and its talk's head document (a few
 * numbers, one read per talk), so the cost does not grow with the waitlist. Registrations the tickets do not
 * place (waitlisted before tickets, no head document after a failed walk, a walk under way) are looked up in
 * the queue document's waitlist (one read, as long as the waitlist), and counted when that is missing too
 * (`counted: false` leaves those out: a count taken while a walk elsewhere is writing statuses can be wrong).
 */
export async function waitlistPlaces(app: AppContext, regs: Placed[], o: { counted?: boolean } = {}): Promise<Map<string, number>> {
  const places = new Map<string, number>();
  const talksOf = (rs: Placed[]) => [...new Set(rs.map((r) => String(r.talkId)))];
  const heads = await Promise.all(talksOf(regs).map((id) => collectionOf(WaitlistHeads(app.db)).findOne({ _id: id })));
  for (const h of heads) {
    if (!h) continue;
    for (const r of regs) {
      const at = String(r.talkId) === String(h._id) ? placeOf(headsOf(h), r.ticket) : undefined;
      if (at) places.set(String(r._id), at);
    }
  }
  let rest = regs.filter((r) => !places.has(String(r._id)));
  if (rest.length) {
    const queues = await Promise.all(talksOf(rest).map((id) => collectionOf(TalkQueues(app.db)).findOne({ _id: id })));
    const wanted = new Set(rest.map((r) => String(r._id)));
    for (const q of queues) ((q?.waitlist as string[] | undefined) ?? []).forEach((id, i) => wanted.has(id) && places.set(id, i + 1));
    rest = rest.filter((r) => !places.has(String(r._id)));
  }
  if (o.counted !== false) await Promise.all(rest.map(async (r) => places.set(String(r._id), await countedPlace(app, r))));
  return places;
}

/** 1-based place of a waitlisted registration (see `waitlistPlaces`). */
export async function waitlistPosition(app: AppContext, r: Placed): Promise<number> {
  return (await waitlistPlaces(app, [r])).get(String(r._id))!;
}

/** The place by definition: 1 + the waitlisted registrations ahead in queue order (seq, _id) — a scan. */
async function countedPlace(app: AppContext, r: Placed): Promise<number> {
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
    for (let part = 1; part <= r.seats; part++)
      plan.push({ _id: new Types.ObjectId(), talkId: talk._id, seatNo: free.shift()!, registrationId: r._id, part, takenAt: now });
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
  for (let from = 0; from < regs.length;) {
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
    await forgetQueueState(app, talk._id, { places: true }).catch(() => undefined);
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
    const head = (await Promise.all(state.waitlist.slice(0, freeCount() + 1).map((id) => regs.findById(id).lean<RegistrationDoc>()))).filter(
      (r): r is RegistrationDoc => r?.status === 'waitlisted',
    );
    const seated = await seatPage(app, talk, state, head, inQueueOrder(talk, false));
    result.promoted = head.filter((_, i) => seated[i]).map((r) => ({ ...r, status: 'confirmed' as const, confirmedAt: now, promotedAt: now }));
    if (result.promoted.length) {
      await regs.collection.updateMany(
        { _id: { $in: result.promoted.map((r) => r._id) } },
        { $set: { status: 'confirmed', confirmedAt: now, promotedAt: now } },
      );
      const gone = new Set(result.promoted.map((r) => String(r._id)));
      state.waitlist = state.waitlist.filter((id) => !gone.has(id));
      result.promoted.forEach((r) => depart(state.heads, r.ticket));
    }
  }
  if (state.waitlist.length > 0 && talk.waitlistEnabled) blocked = true;

  // 2. Arrivals, in the order they were recorded.
  const pages: Array<{ page: RegistrationDoc[]; stored: boolean }> = [];
  if (o.scanArrivals || recounted) {
    let after: Types.ObjectId | undefined;
    for (;;) {
      const page = await regs
        .find({ talkId: talk._id, status: 'pending', ...(after ? { _id: { $gt: after } } : {}) })
        .sort({ _id: 1 })
        .limit(500)
        .lean();
      if (!page.length) break;
      pages.push({ page, stored: true });
      after = page[page.length - 1]!._id;
    }
  }
  // recorded arrivals (crash recovery) were there first and take this walk's number; this holder's own come
  // after them, under the next number when both exist, and in `_id` order, so the order the walk decides in is
  // the queue order (seq, _id) that waitlist tickets follow
  const fresh = [...(o.fresh ?? [])].sort((a, b) => (String(a._id) < String(b._id) ? -1 : 1));
  if (fresh.length) pages.push({ page: fresh, stored: false });
  const seqOf = (stored: boolean) => state.seq + (!stored && pages[0]?.stored ? 2 : 1);
  const last = pages.length ? seqOf(pages[pages.length - 1]!.stored) : state.seq;
  for (const { page, stored } of pages) {
    const seq = seqOf(stored);
    const seated: RegistrationDoc[] = [];
    const toWaitlist: RegistrationDoc[] = [];
    const toReject: RegistrationDoc[] = [];
    const outcome = await (stored ? seatPage : seatFresh)(app, talk, state, page, inQueueOrder(talk, blocked));
    page.forEach((r, i) => {
      if (outcome[i]) return void seated.push(r);
      if (talk.waitlistEnabled) blocked = true;
      if (open && talk.waitlistEnabled && (talk.waitlistCap === 0 || state.waitlist.length < talk.waitlistCap)) {
        // the holder's own arrivals get their ticket in the insert that records them
        const w = stored ? r : { ...r, ticket: state.heads.next++ };
        toWaitlist.push(w);
        state.waitlist.push(String(r._id));
        result.waitlisted.push({ reg: { ...w, status: 'waitlisted', seq }, position: state.waitlist.length });
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
      // no ticket: each would be its own update, a scan under the write lock on FerretDB (see `untrack`)
      if (toWaitlist.length) await regs.collection.updateMany({ _id: { $in: toWaitlist.map((r) => r._id) } }, { $set: { status: 'waitlisted', seq } });
      if (toWaitlist.length) untrack(state.heads, toWaitlist.length);
      if (toReject.length)
        await regs.collection.updateMany({ _id: { $in: toReject.map((r) => r._id) } }, { $set: { status: 'rejected', rejectReason: reason } });
    }
    if (toReject.length) {
      await collectionOf(RegistrationKeys(app.db)).deleteMany({
        _id: { $in: toReject.map((r) => `${r.talkId}:${r.residentId}`) },
        registrationId: { $in: toReject.map((r) => r._id) },
      });
    }
    result.confirmed.push(...decided.confirmed);
    result.rejected.push(...decided.rejected);
  }
  state.seq = last;
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
      if (lock.stolen) await forgetQueueState(app, talkId, { places: true });
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
