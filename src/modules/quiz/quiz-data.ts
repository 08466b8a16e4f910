import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { Attempts, Certificates, PointsLedger, QuizBests, QuizFresh, QuizKeys, Submissions, WrongMarks } from './quiz.model';
import { eraseDrafts } from './drafts.service';
import { noteErased } from './leaderboard-intake';
import { eraseParticipation, foldQuizTallies } from './participation.service';
import { pointsSummary } from './rewards.service';
import { wrongBookMarks } from './wrongbook.service';

/** "Export my data": what the quiz holds about the resident. */
export async function exportQuizData(app: AppContext, residentId: Types.ObjectId) {
  const subs = await Submissions(app.db).find({ residentId }).sort({ submittedAt: 1 }).lean();
  const certs = await Certificates(app.db).find({ residentId }).lean();
  return {
    submissions: subs.map((s) => ({
      attemptId: String(s._id),
      mode: s.mode,
      contestId: s.contestId ? String(s.contestId) : null,
      score: s.score,
      correct: s.correct,
      total: s.total,
      submittedAt: s.submittedAt.toISOString(),
    })),
    attempts: await Attempts(app.db).countDocuments({ residentId }),
    wrongBookMarks: (await wrongBookMarks(app, residentId)).length,
    points: await pointsSummary(app, residentId),
    certificates: certs.map((c) => ({ code: c.code, contestId: String(c.contestId), score: c.score, issuedAt: c.issuedAt.toISOString() })),
  };
}

/**
 * "Erase me": personal learning records go; submissions stay for contest statistics, re-keyed to a random id
 * that leads back to nobody.
 */
export async function eraseQuizData(app: AppContext, residentId: Types.ObjectId): Promise<void> {
  const attemptIds = (await Attempts(app.db).find({ residentId }, { _id: 1 }).lean()).map((a) => a._id);
  // Results not folded yet are folded first; then the resident leaves the boards of every contest they took
  // part in (at the next fold, which comes before the participations are re-keyed below).
  await foldQuizTallies(app, { wait: true });
  await QuizFresh(app.db).deleteMany({ residentId });
  const contestIds: Types.ObjectId[] = await Submissions(app.db).distinct('contestId', { residentId, contestId: { $exists: true } });
  await noteErased(app, residentId, contestIds);
  // One anonymous id for the submissions and the participations, so a later backfill finds nothing new.
  const anonymous = new Types.ObjectId();
  await Submissions(app.db).updateMany({ residentId }, { $set: { residentId: anonymous } });
  await Promise.all([
    eraseParticipation(app, residentId, anonymous),
    Attempts(app.db).updateMany({ residentId }, { $set: { residentId: new Types.ObjectId() }, $unset: { boardName: 1 } }),
    WrongMarks(app.db).deleteMany({ residentId }),
    PointsLedger(app.db).deleteMany({ residentId }),
    Certificates(app.db).deleteMany({ residentId }),
    QuizBests(app.db).deleteMany({ residentId }),
    QuizKeys(app.db).deleteMany({ attemptId: { $in: attemptIds } }),
    eraseDrafts(app, attemptIds),
  ]);
}
