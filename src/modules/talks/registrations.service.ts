import { Types } from 'mongoose';
import type { Caller } from '../../access';
import type { AppContext } from '../../context';
import { collectionOf, releaseOrphan, removeHeld, wallNow } from '../../db/coordination';
import type { ErrorCode } from '../../dictionaries';
import { AppError, notFound } from '../../http/errors';
import { shanghaiDay } from '../../lib/shanghai';
import { requireConsent, type ResidentDoc } from '../residents';
import { dropRegistrationReminders, queueAfterFill, queueRemovedByStaff } from './reminders';
import { admitFast, assertOpenForSignup, awaitDecision, claimKey, underTalkLock, type Decided } from './admission';
import { leaveQueue, waitlistPlaces, waitlistPosition } from './queue-walk';
import { readEntries } from './resident-entries';
import { Attendance, Feedback, RegistrationKeys, Registrations, Seats, Talks, type RegistrationDoc, type TalkDoc } from './talks.model';
import { getPublicTalk, getTalkInScope, recentPublicTalk } from './talks.service';
import { SEX_NAMES } from './eligibility';

/** Age in whole years by the district's calendar year (profiles hold only the birth year). */
const ageOf = (app: AppContext, birthYear: number) => Number(shanghaiDay(app.clock.now()).slice(0, 4)) - birthYear;

function assertEligible(app: AppContext, talk: TalkDoc, r: ResidentDoc): void {
  const e = talk.eligibility ?? {};
  const needAge = e.minAge !== undefined || e.maxAge !== undefined;
  if ((e.sex && !r.sex) || (needAge && !r.birthYear)) {
    throw new AppError('PROFILE_INCOMPLETE', 400, '本场活动有年龄或性别要求，请先填写性别和出生年份');
  }
  if (e.sex && r.sex !== e.sex) throw new AppError('NOT_ELIGIBLE', 403, `本场活动仅限${SEX_NAMES[e.sex]}参加`, { rule: 'sex' });
  if (needAge) {
    const age = ageOf(app, r.birthYear!);
    if ((e.minAge !== undefined && age < e.minAge) || (e.maxAge !== undefined && age > e.maxAge)) {
      const range = `${e.minAge ?? 0}${e.maxAge !== undefined ? `–${e.maxAge}` : ''} 岁${e.maxAge === undefined ? '以上' : ''}`;
      throw new AppError('NOT_ELIGIBLE', 403, `本场活动仅限 ${range}的居民参加`, { rule: 'age' });
    }
  }
}

/** Whether this resident may sign up, and if not, why and what fixes it — checked the way sign-up checks. */
export function eligibilityFor(app: AppContext, talk: TalkDoc, r: ResidentDoc): { eligible: boolean; code: string | null; reason: string | null } {
  try {
    if (talk.localOnly && !r.areaPath.includes(talk.areaCode)) throw new AppError('AREA_MISMATCH', 403, '本场活动仅限本地区居民报名');
    assertEligible(app, talk, r);
    return { eligible: true, code: null, reason: null };
  } catch (err) {
    if (err instanceof AppError) return { eligible: false, code: err.code, reason: err.message };
    throw err;
  }
}

const keyId = (talkId: Types.ObjectId, residentId: Types.ObjectId) => `${String(talkId)}:${String(residentId)}`;

const REJECTIONS: Record<string, [ErrorCode, string]> = {
  TALK_FULL: ['TALK_FULL', '名额已满'],
  WAITLIST_FULL: ['WAITLIST_FULL', '名额已满，候补也已排满'],
  TALK_CLOSED: ['TALK_CLOSED', '本场活动已停止报名'],
};

/** A key older than this without its registration was left by a walker that died between the two inserts. */
const STALE_KEY_MS = 60_000;

const alreadyRegistered = () => new AppError('ALREADY_REGISTERED', 409, '您已报名本场活动，请到“我的报名”查看');

/**
 * Sign up: checks, then the talk's batch admission records the registration under the unique key
 * `<talkId>:<residentId>` and the walk decides it in arrival order — a seat, the waitlist, or a rejection.
 * A retry with the same Idempotency-Key is answered from the registration the first request made.
 */
export async function signUp(app: AppContext, residentId: Types.ObjectId, talkId: string, seats = 1, idempotencyKey?: string) {
  // every request of a storm goes straight on: its resident and talk reads share commands with the others'
  // (src/lib/batch.ts), and the talk's batch admission decides all of them under one lease
  const [resident, talk] = await Promise.all([requireConsent(app, residentId, 'basic'), recentPublicTalk(app, talkId)]);
  assertOpenForSignup(app, talk);
  if (talk.localOnly && !resident.areaPath.includes(talk.areaCode)) throw new AppError('AREA_MISMATCH', 403, '本场活动仅限本地区居民报名');
  if (seats > talk.maxSeatsPerRegistration) {
    throw new AppError(
      'TOO_MANY_SEATS',
      400,
      talk.maxSeatsPerRegistration === 1 ? '本场活动每人只能报名 1 个名额' : `本场活动每次最多报名 ${talk.maxSeatsPerRegistration} 人`,
    );
  }
  assertEligible(app, talk, resident);
  for (let attempt = 0; ; attempt++) {
    const regId = new Types.ObjectId();
    const arrival = { regId, residentId, areaPath: resident.areaPath, seats, at: app.clock.now(), ...(idempotencyKey ? { idempotencyKey } : {}) };
    if (await claimKey(app, talk._id, arrival)) {
      const admitted = await admitFast(app, talk, arrival, queueAfterFill);
      if (admitted !== 'again') return signUpReply(app, talk, admitted.reg);
      continue; // the session changed under a fast-lane sign-up: it gave everything back and joins the batch
    }
    // the resident already holds a key for this talk: a retry (answered from its registration), or a second sign-up
    const replay = await existingSignUp(app, talk, residentId, idempotencyKey);
    if (replay) return signUpReply(app, talk, replay);
    if (replay === undefined && attempt === 0) continue; // the key was freed meanwhile (rejection, stale key)
    throw alreadyRegistered();
  }
}

/**
 * The registration behind the resident's key, when this request is a retry of the one that made it (same
 * Idempotency-Key), waiting for its decision if needed. `null`: someone else's key, a plain second sign-up;
 * `undefined`: no key any more (freed, or a stale one removed) — the caller may try again.
 */
async function existingSignUp(app: AppContext, talk: TalkDoc, residentId: Types.ObjectId, idempotencyKey?: string): Promise<Decided | null | undefined> {
  const key = await RegistrationKeys(app.db).findById(keyId(talk._id, residentId)).lean();
  if (!key) return undefined;
  const reg = await Registrations(app.db).findById(key.registrationId).lean();
  const mine = !!idempotencyKey && key.idempotencyKey === idempotencyKey;
  if (!reg) {
    // the registration is inserted by the walk that decides it: a retry waits for that walk, unless it died
    const ageMs = wallNow() - key.registrationId.getTimestamp().getTime();
    // a stale key is gone once released, by this request or by another one trying at the same time
    const released = await releaseOrphan(collectionOf(RegistrationKeys(app.db)), key, {
      work: 'registrationId',
      ageMs,
      afterMs: STALE_KEY_MS,
      done: () => false,
    });
    if (released || ageMs >= STALE_KEY_MS) return undefined;
    return mine ? awaitDecision(app, talk._id, key.registrationId, queueAfterFill) : null;
  }
  if (!mine) return null;
  return reg.status === 'pending' ? awaitDecision(app, talk._id, reg._id, queueAfterFill) : reg;
}

async function signUpReply(app: AppContext, talk: TalkDoc, decided: Decided) {
  const registrationId = String(decided._id);
  if (decided.status === 'rejected') {
    const current = await Talks(app.db).findById(talk._id, { status: 1 }).lean();
    if (current?.status === 'cancelled') throw new AppError('TALK_CANCELLED', 409, '本场活动已取消');
    const [code, message] = REJECTIONS[decided.rejectReason ?? 'TALK_FULL'] ?? REJECTIONS.TALK_FULL!;
    throw new AppError(code, 409, message);
  }
  if (decided.status === 'cancelled') throw new AppError('NOT_REGISTERED', 404, '您没有报名本场活动');
  if (decided.status === 'waitlisted') {
    return { registrationId, status: 'waitlisted' as const, seats: decided.seats, position: decided.position ?? (await waitlistPosition(app, decided)) };
  }
  return { registrationId, status: 'confirmed' as const, seats: decided.seats };
}

/** Cancel my registration before the cut-off; its seats go to the waitlist in order, under the talk's lock. */
export async function cancelMine(app: AppContext, residentId: Types.ObjectId, talkId: string) {
  const talk = await getPublicTalk(app, talkId);
  const key = await RegistrationKeys(app.db).findById(keyId(talk._id, residentId)).lean();
  if (!key) throw new AppError('NOT_REGISTERED', 404, '您没有报名本场活动');
  if (app.clock.now() >= talk.cancelCutoffAt) throw new AppError('CANCEL_CUTOFF_PASSED', 409, '已过取消截止时间，如不能参加请联系村（居）工作人员');
  const cancelled = await cancelRegistration(app, talk, key.registrationId, 'resident');
  if (!cancelled) throw new AppError('NOT_REGISTERED', 404, '您没有报名本场活动');
  return { registrationId: String(key.registrationId), status: 'cancelled' as const };
}

/**
 * Shared by residents and staff: under the talk's lock, mark it cancelled and free its seats and key; the walk
 * that follows in the same lock hold promotes the waitlist. Pending reminders of the registration are dropped.
 */
/** Staff take a registrant off a session of their area; the resident is told. */
export async function staffCancelRegistration(app: AppContext, caller: Caller, talkId: string, registrationId: string) {
  const talk = await getTalkInScope(app, caller.staff, talkId);
  const reg = await cancelRegistration(app, talk, new Types.ObjectId(registrationId), 'staff');
  if (!reg) throw notFound('报名');
  await queueRemovedByStaff(app, talk, reg);
  await caller.audit('talk.registration.cancel', { type: 'talkRegistration', id: registrationId });
  return { registrationId, status: 'cancelled' as const };
}

export async function cancelRegistration(app: AppContext, talk: TalkDoc, regId: Types.ObjectId, by: 'resident' | 'staff'): Promise<RegistrationDoc | null> {
  const reg = await underTalkLock(app, talk._id, queueAfterFill, async () => {
    const reg = await Registrations(app.db).findById(regId).lean();
    if (!reg || !reg.talkId.equals(talk._id) || !['pending', 'confirmed', 'waitlisted'].includes(reg.status)) return null;
    // the lock is held: this process is the only writer of the registration, its key and the queue bookkeeping
    await Registrations(app.db).collection.updateOne({ _id: reg._id }, { $set: { status: 'cancelled', cancelledAt: app.clock.now(), cancelledBy: by } });
    await Seats(app.db).deleteMany({ registrationId: reg._id });
    const key = await RegistrationKeys(app.db).findById(keyId(talk._id, reg.residentId)).lean();
    if (key?.registrationId.equals(reg._id)) await removeHeld(collectionOf(RegistrationKeys(app.db)), key, 'registrationId');
    await leaveQueue(app, reg);
    return reg;
  });
  if (reg) await dropRegistrationReminders(app, talk, reg);
  return reg;
}

/**
 * My registrations, newest first. Read by key only — the resident's entries, then each registration, talk,
 * attendance and feedback by `_id`, a waitlist place from its ticket and the talk's waitlist head document —
 * so the answer costs the same beside a session of ten or of ten thousand.
 */
export async function myRegistrations(app: AppContext, residentId: Types.ObjectId, q: { limit: number; cursor?: string }) {
  const entries = await readEntries(app, residentId);
  const cursor = q.cursor ? new Types.ObjectId(q.cursor) : undefined;
  const candidates = entries
    .filter((e) => !cursor || String(e.registrationId) < String(cursor))
    .sort((a, b) => (String(b.registrationId) < String(a.registrationId) ? -1 : 1));
  const regs: RegistrationDoc[] = [];
  // statuses live on the registrations: read a page at a time until the page is full
  for (let i = 0; i < candidates.length && regs.length <= q.limit; i += q.limit + 1) {
    const page = await Promise.all(candidates.slice(i, i + q.limit + 1).map((e) => Registrations(app.db).findById(e.registrationId).lean<RegistrationDoc>()));
    regs.push(...page.filter((r): r is RegistrationDoc => !!r && ['confirmed', 'waitlisted', 'cancelled'].includes(r.status)));
  }
  regs.sort((a, b) => (String(b._id) < String(a._id) ? -1 : 1));
  const shown = regs.slice(0, q.limit);
  const talkIds = [...new Set(shown.map((r) => String(r.talkId)))];
  const own = (talkId: string) => `${talkId}:${String(residentId)}`;
  const waiting = shown.filter((r) => r.status === 'waitlisted');
  const [talks, attended, feedback, places] = await Promise.all([
    Promise.all(talkIds.map((id) => Talks(app.db).findById(id).lean())),
    Promise.all(talkIds.map((id) => Attendance(app.db).findById(own(id), { _id: 1 }).lean())),
    Promise.all(talkIds.map((id) => Feedback(app.db).findById(own(id), { _id: 1 }).lean())),
    waiting.length ? waitlistPlaces(app, waiting) : new Map<string, number>(),
  ]);
  const byId = new Map(talks.filter((t) => !!t).map((t) => [String(t!._id), t!]));
  const attendedSet = new Set(talkIds.filter((_, i) => attended[i]));
  const feedbackSet = new Set(talkIds.filter((_, i) => feedback[i]));
  const items = [];
  for (const r of shown) {
    const t = byId.get(String(r.talkId));
    if (!t) continue;
    items.push({
      registrationId: String(r._id),
      talk: {
        id: String(t._id),
        title: t.title,
        kind: t.kind,
        venue: t.venue,
        startAt: t.startAt.toISOString(),
        endAt: t.endAt.toISOString(),
        status: t.status,
        cancelCutoffAt: t.cancelCutoffAt.toISOString(),
      },
      status: r.status,
      seats: r.seats,
      position: places.get(String(r._id)) ?? null,
      attended: attendedSet.has(String(t._id)),
      feedbackGiven: feedbackSet.has(String(t._id)),
      createdAt: r.createdAt.toISOString(),
    });
  }
  const last = shown[shown.length - 1];
  return { items, nextCursor: regs.length > q.limit && last ? String(last._id) : null };
}

/** The resident's live registration for a talk, if any (for the detail page). */
export async function myRegistrationFor(app: AppContext, residentId: Types.ObjectId, talk: TalkDoc) {
  const key = await RegistrationKeys(app.db).findById(keyId(talk._id, residentId)).lean();
  const reg = key ? await Registrations(app.db).findById(key.registrationId).lean() : null;
  if (!reg || !['confirmed', 'waitlisted'].includes(reg.status)) return null;
  return {
    registrationId: String(reg._id),
    status: reg.status,
    seats: reg.seats,
    position: reg.status === 'waitlisted' ? await waitlistPosition(app, reg) : null,
  };
}
