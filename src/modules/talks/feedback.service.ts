import type { Types } from 'mongoose';
import { type Caller, scopeFilter, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, notFound } from '../../http/errors';
import { getResident } from '../residents';
import { Attendance, Feedback, type FeedbackDoc, type TalkDoc } from './talks.model';
import { getPublicTalk } from './talks.service';

/**
 * Feedback after attending: a 1–5 rating and an optional comment checked by WeChat's msg_sec_check (v2).
 * `risky` is refused outright; `review` (or a check that could not run) is kept but held for staff.
 */
export async function giveFeedback(app: AppContext, residentId: Types.ObjectId, talkId: string, input: { rating: number; comment?: string }) {
  const talk = await getPublicTalk(app, talkId);
  const id = `${String(talk._id)}:${String(residentId)}`;
  if (!(await Attendance(app.db).exists({ _id: id }))) throw new AppError('FEEDBACK_NOT_ATTENDED', 403, '签到参加活动后才能评价');
  if (await Feedback(app.db).exists({ _id: id })) throw new AppError('FEEDBACK_EXISTS', 409, '您已经评价过本场活动，谢谢！');
  const comment = input.comment?.trim() || undefined;
  let commentState: FeedbackDoc['commentState'] = 'none';
  if (comment) {
    const resident = await getResident(app, residentId);
    try {
      const check = await app.wechat.msgSecCheck(resident.openid, comment, 2);
      if (check.suggest === 'risky') throw new AppError('COMMENT_REJECTED', 400, '评价内容含有不适宜发布的信息，请修改后再提交');
      commentState = check.suggest === 'pass' ? 'visible' : 'review';
    } catch (err) {
      if (err instanceof AppError) throw err;
      app.logger.warn({ event: 'talks.feedback.seccheck_failed', err }, 'msg_sec_check failed; holding comment for review');
      commentState = 'review';
    }
  }
  try {
    await Feedback(app.db).create({
      _id: id,
      talkId: talk._id,
      residentId,
      expertIds: talk.expertIds,
      areaPath: talk.areaPath,
      rating: input.rating,
      comment,
      commentState,
      at: app.clock.now(),
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('FEEDBACK_EXISTS', 409, '您已经评价过本场活动，谢谢！');
    throw err;
  }
  return { rating: input.rating, commentState };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Average and comments of one session; comments held for review are shown to staff with their state. */
export async function sessionFeedback(app: AppContext, talk: TalkDoc) {
  const rows = await Feedback(app.db).find({ talkId: talk._id }).sort({ at: -1 }).lean();
  const sum = rows.reduce((s, r) => s + r.rating, 0);
  return {
    talkId: String(talk._id),
    count: rows.length,
    average: rows.length ? round2(sum / rows.length) : null,
    comments: rows
      .filter((r) => r.comment && r.commentState !== 'rejected')
      .map((r) => ({ id: String(r.residentId), rating: r.rating, comment: r.comment!, state: r.commentState, at: r.at.toISOString() })),
  };
}

/** Whether the resident checked in at the session and has rated it (both keyed by session and resident). */
export async function myAttendanceFor(app: AppContext, residentId: Types.ObjectId, talk: TalkDoc): Promise<{ attended: boolean; feedbackGiven: boolean }> {
  const own = `${String(talk._id)}:${String(residentId)}`;
  const [attended, feedback] = await Promise.all([Attendance(app.db).findById(own, { _id: 1 }).lean(), Feedback(app.db).findById(own, { _id: 1 }).lean()]);
  return { attended: Boolean(attended), feedbackGiven: Boolean(feedback) };
}

/** Staff decision on a held comment. */
export async function reviewComment(app: AppContext, caller: Caller, talk: TalkDoc, residentId: string, approve: boolean) {
  const r = await Feedback(app.db)
    .findOneAndUpdate(
      { _id: `${String(talk._id)}:${residentId}`, commentState: 'review' },
      { $set: { commentState: approve ? 'visible' : 'rejected' } },
      { new: true },
    )
    .lean();
  if (!r) throw notFound('待审评价');
  await caller.audit('talk.feedback.review', { type: 'talk', id: String(talk._id) }, { approve });
  return { state: r.commentState };
}

/** Average rating per expert over the sessions in the staff member's scope (summed here: a few thousand rows). */
export async function expertAverages(app: AppContext, staff: StaffPrincipal) {
  const rows = await Feedback(app.db).find(scopeFilter(staff), { expertIds: 1, rating: 1 }).lean();
  const sums = new Map<string, { sum: number; n: number }>();
  for (const r of rows) {
    for (const e of r.expertIds) {
      const s = sums.get(String(e)) ?? { sum: 0, n: 0 };
      s.sum += r.rating;
      s.n++;
      sums.set(String(e), s);
    }
  }
  return new Map([...sums].map(([id, s]) => [id, { count: s.n, average: round2(s.sum / s.n) }]));
}
