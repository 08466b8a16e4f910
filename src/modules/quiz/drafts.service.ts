/**
 * Answers saved as the resident goes, so a contest left half-way (a call, a closed app) resumes where it stopped.
 * One draft per attempt, keyed by the attempt's `_id`; each save replaces it. The deadline stays the attempt's,
 * set by the server when it was drawn, and the single-use submit is unchanged: a draft is never a submission.
 */
import { Schema, type Types } from 'mongoose';
import type { AppContext } from '../../context';
import { defineModel, isDuplicateKey } from '../../db/model';
import { AppError } from '../../http/errors';
import { Attempts, type AttemptDoc } from './quiz.model';
import { loadVersions } from './pool';
import { QUIZ } from './quiz.rules';
import { checkAnswers, getSubmission, type AnswerInput } from './submit.service';

interface DraftDoc {
  _id: Types.ObjectId;
  answers: AnswerInput[];
  savedAt: Date;
}

const draftSchema = new Schema<DraftDoc>({
  _id: { type: Schema.Types.ObjectId, required: true },
  answers: { type: [{ _id: false, questionId: String, choice: [String] }], default: [] },
  savedAt: { type: Date, required: true },
});
export const QuizDrafts = defineModel<DraftDoc>('QuizDraft', draftSchema);

export async function saveAnswers(app: AppContext, a: AttemptDoc, answers: AnswerInput[]) {
  const versions = await loadVersions(app, a.items);
  checkAnswers(
    a,
    answers,
    versions.map((v) => v.type),
  );
  if (await getSubmission(app, a._id)) throw new AppError('ALREADY_SUBMITTED', 409, '这次答题已经提交过了');
  const now = app.clock.now();
  if (now.getTime() > a.deadline.getTime() + QUIZ.submitGraceMs) throw new AppError('ATTEMPT_EXPIRED', 409, '答题时间已过，这次提交不能计分');
  const doc = { answers: answers.map((x) => ({ questionId: x.questionId, choice: x.choice })), savedAt: now };
  const write = () => QuizDrafts(app.db).replaceOne({ _id: a._id }, doc, { upsert: true });
  try {
    await write();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await write(); // two first saves raced on the upsert; the second replaces the first
  }
  return { attemptId: String(a._id), saved: doc.answers.length, savedAt: now.toISOString(), deadline: a.deadline.toISOString() };
}

export async function savedAnswers(app: AppContext, attemptId: Types.ObjectId): Promise<AnswerInput[]> {
  const d = await QuizDrafts(app.db).findById(attemptId).lean();
  return d ? d.answers.map((x) => ({ questionId: x.questionId, choice: [...x.choice] })) : [];
}

/** The resident's unsubmitted attempt at a contest that can still be finished, if any. */
export async function openContestAttempt(app: AppContext, residentId: Types.ObjectId, contestId: Types.ObjectId): Promise<string | null> {
  const a = await Attempts(app.db)
    .findOne({ residentId, contestId, deadline: { $gt: app.clock.now() } })
    .sort({ _id: -1 })
    .lean();
  if (!a || (await getSubmission(app, a._id))) return null;
  return String(a._id);
}

export async function eraseDrafts(app: AppContext, attemptIds: Types.ObjectId[]): Promise<void> {
  if (attemptIds.length) await QuizDrafts(app.db).deleteMany({ _id: { $in: attemptIds } });
}
