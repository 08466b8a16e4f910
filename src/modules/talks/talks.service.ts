import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { assertInScope, type Caller, inScope, scopeFilter, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { AppError, notFound, validationError } from '../../http/errors';
import { copyTitle, datesAhead } from '../../lib/copy-dates';
import { findPageByDate } from '../../lib/pagination';
import { cachePerDatabase } from '../../db/coordination';
import { cancelPending, enqueueMany } from '../../notify/outbox.service';
import { getArea } from '../areas';
import { noticeItem, queueAfterFill, queueCancelledBySession, sameDayMorning } from './reminders';
import { fill, forgetQueueState, openQueue } from './queue-walk';
import { withTalkLock } from './talk-lock';
import { Experts, RegistrationKeys, Registrations, Seats, Talks, type ExpertDoc, type TalkDoc, type TalkKind } from './talks.model';
import type { TalkInput, TalkPatch } from './talks.schemas';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

async function getTalk(app: AppContext, id: string | Types.ObjectId): Promise<TalkDoc> {
  const t = Types.ObjectId.isValid(id) ? await Talks(app.db).findById(id).lean() : null;
  if (!t) throw notFound('活动');
  return t;
}

/** Residents never see drafts. */
export async function getPublicTalk(app: AppContext, id: string): Promise<TalkDoc> {
  const t = await getTalk(app, id);
  if (t.status === 'draft') throw notFound('活动');
  return t;
}

/**
 * The session's page and the sign-up from it may read a talk a few seconds old: a resident opens the page and
 * taps 报名, and in a storm every request reads the same talk. Staff changes in this process forget it at
 * once (elsewhere within the cache's lifetime); the walk checks the sign-up window again on a fresh read
 * under the lease, and a fast-lane sign-up sees a staff change through the queue document.
 */
const recentTalks = cachePerDatabase<{ talk: Promise<TalkDoc> }>(5_000, 1_000);
export function recentPublicTalk(app: AppContext, talkId: string): Promise<TalkDoc> {
  const cache = recentTalks(app);
  const hit = cache.get(talkId);
  if (hit) return hit.talk;
  // requests that miss together share the one read
  const talk = getPublicTalk(app, talkId);
  cache.set(talkId, { talk });
  talk.catch(() => cache.delete(talkId));
  return talk;
}

export async function getTalkInScope(app: AppContext, staff: StaffPrincipal, id: string): Promise<TalkDoc> {
  const t = await getTalk(app, id);
  assertInScope(staff, t.areaPath);
  return t;
}

/** What a staff member may do with a session they can open. */
export interface TalkAccess {
  talk: TalkDoc;
  /** Edit, publish, stop sign-ups, cancel: only staff whose scope holds the session. */
  manage: boolean;
  /** Set for a village worker at a town or district session: they see and mark only residents of this area. */
  within?: string;
}

/** Sessions held above a village worker's village that some of their residents signed up for (or wait for). */
async function talksConcerningVillage(app: AppContext, staff: StaffPrincipal): Promise<Types.ObjectId[]> {
  return Registrations(app.db).distinct('talkId', { areaPath: staff.areaCode, status: { $in: ['confirmed', 'waitlisted'] } });
}

/**
 * A session in scope, or, for a village worker, a town or district session their residents signed up for: they
 * may look at it and mark their own residents' attendance, never manage it.
 */
export async function talkAccess(app: AppContext, staff: StaffPrincipal, id: string): Promise<TalkAccess> {
  const talk = await getTalk(app, id);
  if (inScope(staff, talk.areaPath)) return { talk, manage: true };
  if (staff.role === 'village_worker' && staff.areaPath.includes(talk.areaCode)) {
    const mine = await Registrations(app.db).exists({ talkId: talk._id, areaPath: staff.areaCode, status: { $in: ['confirmed', 'waitlisted'] } });
    if (mine) return { talk, manage: false, within: staff.areaCode };
  }
  assertInScope(staff, talk.areaPath);
  return { talk, manage: true };
}

const base62 = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const secret = (n: number) => Array.from(crypto.randomBytes(n), (b) => base62[b % base62.length]).join('');

/** `t=<24 hex>.<5>` — 32 characters, WeChat's limit for a scene. */
export const sceneFor = (id: Types.ObjectId): string => `t=${String(id)}.${secret(5)}`;
export const talkIdFromScene = (scene: string): string | null => /^t=([0-9a-f]{24})\.[A-Za-z0-9]{5}$/.exec(scene)?.[1] ?? null;

async function assertExperts(app: AppContext, ids: string[] | undefined): Promise<Types.ObjectId[]> {
  if (!ids?.length) return [];
  const found = await Experts(app.db).countDocuments({ _id: { $in: ids } });
  if (found !== new Set(ids).size) throw validationError('expertIds', '所选专家不存在', { code: 'INVALID_EXPERT' });
  return ids.map((i) => new Types.ObjectId(i));
}

function assertTimes(t: Pick<TalkDoc, 'startAt' | 'endAt' | 'signupOpensAt' | 'signupClosesAt' | 'cancelCutoffAt'>): void {
  if (t.endAt <= t.startAt) throw validationError('endAt', '结束时间应晚于开始时间');
  if (t.signupClosesAt <= t.signupOpensAt) throw validationError('signupClosesAt', '报名截止应晚于报名开始');
  if (t.signupClosesAt > t.startAt) throw validationError('signupClosesAt', '报名截止不能晚于活动开始');
  if (t.cancelCutoffAt > t.startAt) throw validationError('cancelCutoffAt', '取消截止不能晚于活动开始');
}

export async function createTalk(app: AppContext, staff: StaffPrincipal, input: TalkInput): Promise<TalkDoc> {
  const area = await getArea(app, input.areaCode);
  if (!area) throw validationError('areaCode', '地区编码不存在', { code: 'INVALID_AREA' });
  assertInScope(staff, area.path);
  const startAt = new Date(input.startAt);
  const now = app.clock.now();
  const _id = new Types.ObjectId();
  const doc: TalkDoc = {
    _id,
    kind: input.kind,
    title: input.title,
    description: input.description ?? '',
    expertIds: await assertExperts(app, input.expertIds),
    venue: input.venue,
    areaCode: area.code,
    areaPath: area.path,
    localOnly: input.localOnly ?? false,
    startAt,
    endAt: new Date(input.endAt),
    capacity: input.capacity,
    maxSeatsPerRegistration: input.maxSeatsPerRegistration ?? 1,
    signupOpensAt: input.signupOpensAt ? new Date(input.signupOpensAt) : now,
    signupClosesAt: input.signupClosesAt ? new Date(input.signupClosesAt) : startAt,
    cancelCutoffAt: input.cancelCutoffAt ? new Date(input.cancelCutoffAt) : new Date(startAt.getTime() - 2 * HOUR),
    eligibility: input.eligibility ?? {},
    waitlistEnabled: input.waitlistEnabled ?? true,
    waitlistCap: input.waitlistCap ?? 0,
    status: 'draft',
    checkinScene: sceneFor(_id),
    createdBy: staff.id,
    createdAt: now,
    updatedAt: now,
  };
  assertTimes(doc);
  await Talks(app.db).create(doc);
  return doc;
}

/**
 * Copy a session in scope into a new draft: texts, experts, venue, seats, eligibility and waitlist rules; no
 * registrations, walk-ins or feedback. Times already past move on by whole days, sign-ups opening now.
 */
export async function copyTalk(app: AppContext, caller: Caller, id: string): Promise<TalkDoc> {
  const t = await getTalkInScope(app, caller.staff, id);
  const now = app.clock.now();
  const { startAt, endAt, days } = datesAhead(t.startAt, t.endAt, now);
  const shift = (d: Date) => new Date(d.getTime() + days * DAY);
  const signupOpensAt = days ? now : t.signupOpensAt;
  const _id = new Types.ObjectId();
  const doc: TalkDoc = {
    _id,
    kind: t.kind,
    title: copyTitle(t.title, 60),
    description: t.description,
    expertIds: t.expertIds,
    venue: t.venue,
    areaCode: t.areaCode,
    areaPath: t.areaPath,
    localOnly: t.localOnly,
    startAt,
    endAt,
    capacity: t.capacity,
    maxSeatsPerRegistration: t.maxSeatsPerRegistration,
    signupOpensAt,
    signupClosesAt: shift(t.signupClosesAt),
    cancelCutoffAt: shift(t.cancelCutoffAt),
    eligibility: t.eligibility,
    waitlistEnabled: t.waitlistEnabled,
    waitlistCap: t.waitlistCap,
    status: 'draft',
    checkinScene: sceneFor(_id),
    createdBy: caller.staff.id,
    createdAt: now,
    updatedAt: now,
  };
  if (doc.signupClosesAt <= doc.signupOpensAt) doc.signupClosesAt = startAt;
  assertTimes(doc);
  await Talks(app.db).create(doc);
  await caller.audit('talk.copy', { type: 'talk', id: String(_id) }, { from: id, title: doc.title });
  return doc;
}

/**
 * Edit a session. Once published, times and seats per registration are fixed (reminders and seats hang on
 * them) and capacity may only grow (seat numbers above a smaller capacity could be held); growth promotes.
 */
export async function updateTalk(app: AppContext, staff: StaffPrincipal, id: string, patch: TalkPatch): Promise<TalkDoc> {
  const talk = await getTalkInScope(app, staff, id);
  if (['cancelled', 'finished'].includes(talk.status)) throw new AppError('TALK_NOT_EDITABLE', 409, '已取消或已结束的活动不能修改');
  const set: Partial<TalkDoc> = {};
  const fixed = ['startAt', 'endAt', 'maxSeatsPerRegistration', 'areaCode'] as const;
  if (talk.status !== 'draft' && fixed.some((f) => patch[f] !== undefined)) {
    throw new AppError('TALK_FIELD_LOCKED', 409, '活动发布后不能修改时间、地区和每人可报名额');
  }
  if (patch.capacity !== undefined && talk.status !== 'draft' && patch.capacity < talk.capacity) {
    throw new AppError('CAPACITY_DECREASE', 409, '活动发布后名额只能增加');
  }
  for (const k of [
    'kind',
    'title',
    'description',
    'venue',
    'localOnly',
    'capacity',
    'maxSeatsPerRegistration',
    'eligibility',
    'waitlistEnabled',
    'waitlistCap',
  ] as const) {
    if (patch[k] !== undefined) (set as Record<string, unknown>)[k] = patch[k];
  }
  for (const k of ['startAt', 'endAt', 'signupOpensAt', 'signupClosesAt', 'cancelCutoffAt'] as const) {
    const v = patch[k];
    if (v !== undefined) set[k] = new Date(v);
  }
  if (patch.expertIds !== undefined) set.expertIds = await assertExperts(app, patch.expertIds);
  if (patch.areaCode !== undefined) {
    const area = await getArea(app, patch.areaCode);
    if (!area) throw validationError('areaCode', '地区编码不存在', { code: 'INVALID_AREA' });
    assertInScope(staff, area.path);
    set.areaCode = area.code;
    set.areaPath = area.path;
  }
  assertTimes({ ...talk, ...set });
  set.updatedAt = app.clock.now();
  // Under the lock: the seat filler reads capacity and status while walking the queue.
  const updated = await withTalkLock(app, talk._id, async () => {
    const u = await Talks(app.db).findByIdAndUpdate(talk._id, { $set: set }, { new: true }).lean();
    // fast-lane sign-ups look at the queue document after inserting: gone means the session changed
    await forgetQueueState(app, talk._id);
    return u;
  });
  recentTalks(app).delete(String(talk._id));
  if (!updated) throw notFound('活动');
  await fill(app, talk._id, queueAfterFill);
  return updated;
}

async function setStatus(app: AppContext, talk: TalkDoc, from: TalkDoc['status'][], to: TalkDoc['status'], extra: Partial<TalkDoc> = {}): Promise<TalkDoc> {
  return withTalkLock(app, talk._id, async () => {
    const current = await Talks(app.db).findById(talk._id).lean();
    if (!current || !from.includes(current.status)) throw new AppError('TALK_STATUS_CONFLICT', 409, `活动当前状态不能执行此操作`, { status: current?.status });
    const updated = await Talks(app.db)
      .findByIdAndUpdate(talk._id, { $set: { status: to, updatedAt: app.clock.now(), ...extra } }, { new: true })
      .lean();
    recentTalks(app).delete(String(talk._id));
    // a session just published has an empty queue whose fast lane is open; any other change closes the lane
    // until the next walk (fast-lane sign-ups look at the queue document after inserting)
    if (to === 'published' && current.status === 'draft') await openQueue(app, updated!);
    else await forgetQueueState(app, talk._id);
    return updated!;
  });
}

export async function publishTalk(app: AppContext, staff: StaffPrincipal, id: string): Promise<TalkDoc> {
  const talk = await getTalkInScope(app, staff, id);
  if (talk.startAt <= app.clock.now()) throw new AppError('TALK_IN_PAST', 409, '活动开始时间已过，不能发布');
  const updated = await setStatus(app, talk, ['draft'], 'published');
  const dayBefore = new Date(updated.startAt.getTime() - 24 * HOUR);
  const morning = sameDayMorning(updated);
  await enqueueMany(app, [
    noticeItem(updated, 'published', app.clock.now()),
    ...(dayBefore > app.clock.now() ? [noticeItem(updated, 'dayBefore', dayBefore)] : []),
    ...(morning && morning > app.clock.now() ? [noticeItem(updated, 'sameDay', morning)] : []),
  ]);
  return updated;
}

/** Stop sign-ups; the waitlist is still promoted when someone cancels. */
export async function closeTalk(app: AppContext, staff: StaffPrincipal, id: string): Promise<TalkDoc> {
  const talk = await getTalkInScope(app, staff, id);
  return setStatus(app, talk, ['published'], 'closed');
}

/** Cancel the session: every registration is cancelled, its seats freed, and every registrant notified. */
export async function cancelTalk(app: AppContext, caller: Caller, id: string, reason?: string): Promise<TalkDoc> {
  const talk = await getTalkInScope(app, caller.staff, id);
  const { updated, affected } = await withTalkLock(app, talk._id, async () => {
    const current = await Talks(app.db).findById(talk._id).lean();
    if (!current || !['draft', 'published', 'closed'].includes(current.status))
      throw new AppError('TALK_STATUS_CONFLICT', 409, '活动当前状态不能取消', { status: current?.status });
    const now = app.clock.now();
    const u = await Talks(app.db)
      .findByIdAndUpdate(talk._id, { $set: { status: 'cancelled', updatedAt: now, ...(reason ? { cancelReason: reason } : {}) } }, { new: true })
      .lean();
    recentTalks(app).delete(String(talk._id));
    // before the registrations are read: a fast-lane sign-up inserted after that read finds no queue document
    await forgetQueueState(app, talk._id);
    const live = await Registrations(app.db)
      .find({ talkId: talk._id, status: { $in: ['pending', 'confirmed', 'waitlisted'] } })
      .lean();
    await Registrations(app.db).updateMany(
      { _id: { $in: live.map((r) => r._id) } },
      { $set: { status: 'cancelled', cancelledAt: now, cancelledBy: 'session' } },
    );
    await Seats(app.db).deleteMany({ talkId: talk._id });
    await RegistrationKeys(app.db).deleteMany({ registrationId: { $in: live.map((r) => r._id) } });
    return { updated: u!, affected: live };
  });
  await cancelPending(app, { 'source.talkId': String(talk._id) });
  await queueCancelledBySession(app, updated, affected);
  if (talk.status !== 'draft') await enqueueMany(app, [noticeItem(updated, 'cancelled', app.clock.now())]);
  await caller.audit('talk.cancel', { type: 'talk', id }, { reason: reason ?? null });
  return updated;
}

// ---- views ----

export const expertView = (e: ExpertDoc) => ({
  id: String(e._id),
  name: e.name,
  hospital: e.hospital,
  title: e.title,
  specialties: e.specialties,
  active: e.active,
});

async function seatCounts(app: AppContext, talkIds: Types.ObjectId[]): Promise<Map<string, number>> {
  const rows = await Seats(app.db).aggregate<{ _id: Types.ObjectId; n: number }>([
    { $match: { talkId: { $in: talkIds } } },
    { $group: { _id: '$talkId', n: { $sum: 1 } } },
  ]);
  return new Map(rows.map((r) => [String(r._id), r.n]));
}

async function talkView(app: AppContext, t: TalkDoc, seatsTaken: number, experts: Map<string, ExpertDoc>) {
  return {
    id: String(t._id),
    kind: t.kind,
    title: t.title,
    description: t.description,
    venue: t.venue,
    areaCode: t.areaCode,
    localOnly: t.localOnly,
    startAt: t.startAt.toISOString(),
    endAt: t.endAt.toISOString(),
    capacity: t.capacity,
    seatsTaken,
    seatsLeft: Math.max(0, t.capacity - seatsTaken),
    maxSeatsPerRegistration: t.maxSeatsPerRegistration,
    signupOpensAt: t.signupOpensAt.toISOString(),
    signupClosesAt: t.signupClosesAt.toISOString(),
    cancelCutoffAt: t.cancelCutoffAt.toISOString(),
    eligibility: t.eligibility ?? {},
    waitlistEnabled: t.waitlistEnabled,
    status: t.status,
    experts: t.expertIds.flatMap((id) => {
      const e = experts.get(String(id));
      return e ? [expertView(e)] : [];
    }),
  };
}

async function expertsFor(app: AppContext, talks: TalkDoc[]): Promise<Map<string, ExpertDoc>> {
  const ids = [...new Set(talks.flatMap((t) => t.expertIds.map(String)))];
  if (!ids.length) return new Map();
  const rows = await Experts(app.db)
    .find({ _id: { $in: ids } })
    .lean();
  return new Map(rows.map((e) => [String(e._id), e]));
}

export async function viewTalks(app: AppContext, talks: TalkDoc[]) {
  const [counts, experts] = await Promise.all([
    seatCounts(
      app,
      talks.map((t) => t._id),
    ),
    expertsFor(app, talks),
  ]);
  return Promise.all(talks.map((t) => talkView(app, t, counts.get(String(t._id)) ?? 0, experts)));
}

/** Cursor over (startAt, _id), soonest first: `<epoch ms>_<id>`. */
export interface TalkListQuery {
  kind?: TalkKind;
  areaCode?: string;
  limit: number;
  cursor?: string;
}

const page = (app: AppContext, filter: Record<string, unknown>, q: TalkListQuery) =>
  findPageByDate(Talks(app.db), filter, q, { field: 'startAt', dir: 1 }, (rows) => viewTalks(app, rows));

/** `within`: the resident's area path, for `scope=mine` (sessions held for their village, town or the district). */
export async function listPublicTalks(app: AppContext, q: TalkListQuery & { scope?: 'mine' | 'all' }, within?: string[]) {
  const filter: Record<string, unknown> = { status: { $in: ['published', 'closed'] }, endAt: { $gt: app.clock.now() } };
  if (q.kind) filter.kind = q.kind;
  if (q.areaCode) filter.areaPath = q.areaCode;
  if (q.scope === 'mine' && within?.length) filter.areaCode = { $in: within };
  return page(app, filter, q);
}

/** Sessions in scope; for a village worker also the town and district sessions their residents signed up for. */
export async function listStaffTalks(app: AppContext, staff: StaffPrincipal, q: TalkListQuery & { status?: TalkDoc['status']; from?: string; to?: string }) {
  const concerning = staff.role === 'village_worker' ? await talksConcerningVillage(app, staff) : [];
  const filter: Record<string, unknown> = concerning.length
    ? { $and: [{ $or: [scopeFilter(staff), { _id: { $in: concerning } }] }] }
    : { ...scopeFilter(staff) };
  if (q.from || q.to) filter.startAt = { ...(q.from ? { $gte: new Date(q.from) } : {}), ...(q.to ? { $lt: new Date(q.to) } : {}) };
  if (q.areaCode) filter.areaPath = { $all: [staff.areaCode, q.areaCode] };
  if (q.kind) filter.kind = q.kind;
  if (q.status) filter.status = q.status;
  return page(app, filter, q);
}
