import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError } from '../../http/errors';
import { shanghaiDay } from '../../lib/clock';
import { findPage } from '../../lib/pagination';
import { requireConsent } from '../residents/residents.service';
import type { ResidentDoc } from '../residents/residents.model';
import { dropRegistrationReminders, queueAfterFill } from './reminders';
import type { Gate } from './gate';
import { settle, underTalkLock } from './seats.service';
import { Attendance, Feedback, RegistrationKeys, Registrations, Seats, TalkQueues, Talks, type RegistrationDoc, type TalkDoc } from './talks.model';
import { getPublicTalk } from './talks.service';

import { SEX_NAMES } from './eligibility';

/** Age in whole years by the district's calendar year (profiles hold only the birth year). */
const ageOf = (app: AppContext, birthYear: number) => Number(shanghaiDay(app.clock.now()).slice(0, 4)) - birthYear;

export function assertEligible(app: AppContext, talk: TalkDoc, r: ResidentDoc): void {
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

function assertOpenForSignup(app: AppContext, talk: TalkDoc): void {
  const now = app.clock.now();
  if (talk.status === 'cancelled') throw new AppError('TALK_CANCELLED', 409, '本场活动已取消');
  if (talk.status !== 'published') throw new AppError('TALK_CLOSED', 409, '本场活动已停止报名');
  if (now < talk.signupOpensAt) throw new AppError('SIGNUP_NOT_OPEN', 409, '报名还没有开始，请稍后再来');
  if (now >= talk.signupClosesAt || now >= talk.startAt) throw new AppError('SIGNUP_ENDED', 409, '报名已截止');
}

const keyId = (talkId: Types.ObjectId, residentId: Types.ObjectId) => `${String(talkId)}:${String(residentId)}`;

/** 1-based place in the waitlist, counted (not stored) so cancellations ahead move everyone up. */
export async function waitlistPosition(app: AppContext, r: Pick<RegistrationDoc, '_id' | 'talkId' | 'seq'>): Promise<number> {
  const ahead = { $or: [{ seq: { $lt: r.seq } }, { seq: r.seq, _id: { $lt: r._id } }] };
  return 1 + (await Registrations(app.db).countDocuments({ talkId: r.talkId, status: 'waitlisted', ...ahead }));
}

const REJECTIONS: Record<string, [string, string]> = {
  TALK_FULL: ['TALK_FULL', '名额已满'],
  WAITLIST_FULL: ['WAITLIST_FULL', '名额已满，候补也已排满'],
  TALK_CLOSED: ['TALK_CLOSED', '本场活动已停止报名'],
};

/**
 * Sign up: the unique registration key stops a second sign-up, the registration joins the queue as `pending`,
 * and the seat filler decides it in arrival order — a seat, the waitlist, or a rejection.
 */
export async function signUp(app: AppContext, residentId: Types.ObjectId, talkId: string, seats = 1, gate?: Gate) {
  const resident = await requireConsent(app, residentId, 'basic');
  const talk = await getPublicTalk(app, talkId);
  assertOpenForSignup(app, talk);
  if (talk.localOnly && !resident.areaPath.includes(talk.areaCode)) throw new AppError('AREA_MISMATCH', 403, '本场活动仅限本地区居民报名');
  if (seats > talk.maxSeatsPerRegistration) {
    throw new AppError('TOO_MANY_SEATS', 400, talk.maxSeatsPerRegistration === 1 ? '本场活动每人只能报名 1 个名额' : `本场活动每次最多报名 ${talk.maxSeatsPerRegistration} 人`);
  }
  assertEligible(app, talk, resident);

  const regId = new Types.ObjectId();
  try {
    await RegistrationKeys(app.db).create({ _id: keyId(talk._id, residentId), registrationId: regId, createdAt: app.clock.now() });
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('ALREADY_REGISTERED', 409, '您已报名本场活动，请到“我的报名”查看');
    throw err;
  }
  try {
    await Registrations(app.db).create({ _id: regId, talkId: talk._id, residentId, areaPath: resident.areaPath, seats, status: 'pending', seq: 0, createdAt: app.clock.now() });
  } catch (err) {
    await RegistrationKeys(app.db).deleteOne({ _id: keyId(talk._id, residentId), registrationId: regId });
    throw err;
  }
  const wait = () => settle(app, talk._id, regId, queueAfterFill);
  const decided = gate ? await gate.outside(wait) : await wait();
  if (decided.status === 'rejected') {
    const current = await Talks(app.db).findById(talk._id, { status: 1 }).lean();
    if (current?.status === 'cancelled') throw new AppError('TALK_CANCELLED', 409, '本场活动已取消');
    const [code, message] = REJECTIONS[decided.rejectReason ?? 'TALK_FULL'] ?? REJECTIONS.TALK_FULL!;
    throw new AppError(code, 409, message);
  }
  if (decided.status === 'waitlisted') {
    return { registrationId: String(regId), status: 'waitlisted' as const, seats, position: decided.position ?? (await waitlistPosition(app, decided)) };
  }
  return { registrationId: String(regId), status: 'confirmed' as const, seats };
}

/** Cancel my registration before the cut-off; its seats go to the waitlist in order, under the talk's lock. */
export async function cancelMine(app: AppContext, residentId: Types.ObjectId, talkId: string, gate?: Gate) {
  const talk = await getPublicTalk(app, talkId);
  const key = await RegistrationKeys(app.db).findById(keyId(talk._id, residentId)).lean();
  if (!key) throw new AppError('NOT_REGISTERED', 404, '您没有报名本场活动');
  if (app.clock.now() >= talk.cancelCutoffAt) throw new AppError('CANCEL_CUTOFF_PASSED', 409, '已过取消截止时间，如不能参加请联系村（居）工作人员');
  const cancelled = await cancelRegistration(app, talk, key.registrationId, 'resident', gate);
  if (!cancelled) throw new AppError('NOT_REGISTERED', 404, '您没有报名本场活动');
  return { registrationId: String(key.registrationId), status: 'cancelled' as const };
}

/**
 * Shared by residents and staff: under the talk's lock, mark it cancelled and free its seats and key; the walk
 * that follows in the same lock hold promotes the waitlist. Pending reminders of the registration are dropped.
 */
export async function cancelRegistration(app: AppContext, talk: TalkDoc, regId: Types.ObjectId, by: 'resident' | 'staff', gate?: Gate): Promise<RegistrationDoc | null> {
  const run = () =>
    underTalkLock(app, talk._id, queueAfterFill, async () => {
      const reg = await Registrations(app.db).findOne({ _id: regId, talkId: talk._id }).lean();
      if (!reg || !['pending', 'confirmed', 'waitlisted'].includes(reg.status)) return null;
      await Registrations(app.db).updateOne({ _id: reg._id }, { $set: { status: 'cancelled', cancelledAt: app.clock.now(), cancelledBy: by } });
      await Seats(app.db).deleteMany({ registrationId: reg._id });
      await RegistrationKeys(app.db).deleteOne({ _id: keyId(talk._id, reg.residentId), registrationId: reg._id });
      // the lock is held: this process is the only writer of the queue bookkeeping
      if (reg.status === 'waitlisted') await TalkQueues(app.db).updateOne({ _id: String(talk._id) }, { $inc: { waitlisted: -1 } });
      return reg;
    });
  const reg = gate ? await gate.outside(run) : await run();
  if (reg) await dropRegistrationReminders(app, talk, reg);
  return reg;
}

export async function myRegistrations(app: AppContext, residentId: Types.ObjectId, q: { limit: number; cursor?: string }) {
  const filter = { residentId, status: { $in: ['confirmed', 'waitlisted', 'cancelled'] } };
  return findPage(Registrations(app.db), filter, q, (regs) => registrationItems(app, residentId, regs));
}

async function registrationItems(app: AppContext, residentId: Types.ObjectId, regs: RegistrationDoc[]) {
  const talkIds = [...new Set(regs.map((r) => String(r.talkId)))];
  const [talks, attended, feedback] = await Promise.all([
    Talks(app.db).find({ _id: { $in: talkIds } }).lean(),
    Attendance(app.db).find({ residentId, talkId: { $in: talkIds } }, { talkId: 1 }).lean(),
    Feedback(app.db).find({ residentId, talkId: { $in: talkIds } }, { talkId: 1 }).lean(),
  ]);
  const byId = new Map(talks.map((t) => [String(t._id), t]));
  const attendedSet = new Set(attended.map((a) => String(a.talkId)));
  const feedbackSet = new Set(feedback.map((f) => String(f.talkId)));
  const items = [];
  for (const r of regs) {
    const t = byId.get(String(r.talkId));
    if (!t) continue;
    items.push({
      registrationId: String(r._id),
      talk: { id: String(t._id), title: t.title, kind: t.kind, venue: t.venue, startAt: t.startAt.toISOString(), endAt: t.endAt.toISOString(), status: t.status, cancelCutoffAt: t.cancelCutoffAt.toISOString() },
      status: r.status,
      seats: r.seats,
      position: r.status === 'waitlisted' ? await waitlistPosition(app, r) : null,
      attended: attendedSet.has(String(t._id)),
      feedbackGiven: feedbackSet.has(String(t._id)),
      createdAt: r.createdAt.toISOString(),
    });
  }
  return items;
}

/** The resident's live registration for a talk, if any (for the detail page). */
export async function myRegistrationFor(app: AppContext, residentId: Types.ObjectId, talk: TalkDoc) {
  const key = await RegistrationKeys(app.db).findById(keyId(talk._id, residentId)).lean();
  const reg = key ? await Registrations(app.db).findById(key.registrationId).lean() : null;
  if (!reg || !['confirmed', 'waitlisted'].includes(reg.status)) return null;
  return { registrationId: String(reg._id), status: reg.status, seats: reg.seats, position: reg.status === 'waitlisted' ? await waitlistPosition(app, reg) : null };
}
