import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { insertManyKeyed } from '../../db/model';
import { Questions, WrongMarks, type SubmissionDoc, type WrongMarkDoc } from './quiz.model';

/**
 * Insert-only events, one per answered question (wrong or right). Keys include the attempt, so concurrent
 * submissions never overwrite each other and a replay adds nothing; one insertMany, no reads.
 */
export async function recordWrongBook(app: AppContext, sub: SubmissionDoc): Promise<void> {
  const docs: WrongMarkDoc[] = sub.results.map((r) => ({
    _id: `${String(sub.residentId)}:${String(r.questionId)}:${String(sub._id)}`, residentId: sub.residentId, questionId: r.questionId, kind: r.correct ? 'right' : 'wrong', at: sub.submittedAt,
  }));
  await insertManyKeyed(WrongMarks(app.db), docs);
}

/** Per question: how often it was answered wrong and whether the latest answer is still wrong. */
async function bookState(app: AppContext, residentId: Types.ObjectId) {
  const marks = await WrongMarks(app.db).find({ residentId }).limit(5000).lean();
  // At the very same instant a right answer counts as the later one, so re-practice can always clear a question.
  marks.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.kind === b.kind ? 0 : a.kind === 'wrong' ? -1 : 1));
  const state = new Map<string, { questionId: Types.ObjectId; wrongCount: number; open: boolean; lastWrongAt: Date }>();
  for (const m of marks) {
    const s = state.get(String(m.questionId)) ?? { questionId: m.questionId, wrongCount: 0, open: false, lastWrongAt: m.at };
    if (m.kind === 'wrong') Object.assign(s, { wrongCount: s.wrongCount + 1, lastWrongAt: m.at, open: true });
    else s.open = false;
    state.set(String(m.questionId), s);
  }
  return [...state.values()];
}

export async function openWrongQuestionIds(app: AppContext, residentId: Types.ObjectId): Promise<Types.ObjectId[]> {
  return (await bookState(app, residentId)).filter((s) => s.open).map((s) => s.questionId);
}

/** The wrong-answer book: questions still wrong, with the answer and explanation (already seen after submit). */
export async function wrongBook(app: AppContext, residentId: Types.ObjectId) {
  const open = (await bookState(app, residentId)).filter((s) => s.open);
  const questions = new Map((await Questions(app.db).find({ _id: { $in: open.map((s) => s.questionId) } }).lean()).map((q) => [String(q._id), q]));
  const items = open
    .sort((a, b) => b.lastWrongAt.getTime() - a.lastWrongAt.getTime())
    .flatMap((s) => {
      const q = questions.get(String(s.questionId));
      return q ? [{ questionId: String(q._id), type: q.type, stem: q.stem, options: q.options.map((o) => ({ key: o.key, text: o.text })), answer: q.answer, explanation: q.explanation, wrongCount: s.wrongCount, lastWrongAt: s.lastWrongAt.toISOString() }] : [];
    });
  return { count: items.length, items };
}
