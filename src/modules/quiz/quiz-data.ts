import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { Attempts, Certificates, PointsLedger, QuizKeys, Submissions, WrongMarks } from './quiz.model';
import { eraseDrafts } from './drafts.service';
import { pointsSummary } from './rewards.service';

/** "Export my data": what the quiz holds about the resident. */
export async function exportQuizData(ctx: AppContext, residentId: Types.ObjectId) {
  const subs = await Submissions(ctx.db).find({ residentId }).sort({ submittedAt: 1 }).lean();
  const certs = await Certificates(ctx.db).find({ residentId }).lean();
  return {
    submissions: subs.map((s) => ({ attemptId: String(s._id), mode: s.mode, contestId: s.contestId ? String(s.contestId) : null, score: s.score, correct: s.correct, total: s.total, submittedAt: s.submittedAt.toISOString() })),
    attempts: await Attempts(ctx.db).countDocuments({ residentId }),
    wrongBookMarks: await WrongMarks(ctx.db).countDocuments({ residentId }),
    points: await pointsSummary(ctx, residentId),
    certificates: certs.map((c) => ({ code: c.code, contestId: String(c.contestId), score: c.score, issuedAt: c.issuedAt.toISOString() })),
  };
}

/**
 * "Erase me": personal learning records go; submissions stay for contest statistics, re-keyed to a random id
 * that leads back to nobody.
 */
export async function eraseQuizData(ctx: AppContext, residentId: Types.ObjectId): Promise<void> {
  const attemptIds = (await Attempts(ctx.db).find({ residentId }, { _id: 1 }).lean()).map((a) => a._id);
  await Submissions(ctx.db).updateMany({ residentId }, { $set: { residentId: new Types.ObjectId() } });
  await Promise.all([
    Attempts(ctx.db).updateMany({ residentId }, { $set: { residentId: new Types.ObjectId() } }),
    WrongMarks(ctx.db).deleteMany({ residentId }),
    PointsLedger(ctx.db).deleteMany({ residentId }),
    Certificates(ctx.db).deleteMany({ residentId }),
    QuizKeys(ctx.db).deleteMany({ attemptId: { $in: attemptIds } }),
    eraseDrafts(ctx, attemptIds),
  ]);
}
