import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { Questions, Submissions, WrongMarks } from './quiz.model';

interface Mark {
  questionId: Types.ObjectId;
  kind: 'wrong' | 'right';
  at: Date;
}

/**
 * Every answer the resident gave, as wrong or right marks: read from the submissions' own results (each
 * submission is stored once, so concurrent ones never overwrite each other and a replay adds nothing), beside
 * the marks kept separately by earlier versions — the same answer under the same key is counted once.
 */
export async function wrongBookMarks(app: AppContext, residentId: Types.ObjectId): Promise<Mark[]> {
  const [subs, legacy] = await Promise.all([
    Submissions(app.db).find({ residentId }, { results: 1, submittedAt: 1 }).sort({ submittedAt: -1 }).limit(1000).lean(),
    WrongMarks(app.db).find({ residentId }).limit(5000).lean(),
  ]);
  const marks = new Map<string, Mark>();
  for (const m of legacy) marks.set(m._id, m);
  for (const s of subs) {
    for (const r of s.results)
      marks.set(`${String(residentId)}:${String(r.questionId)}:${String(s._id)}`, {
        questionId: r.questionId,
        kind: r.correct ? 'right' : 'wrong',
        at: s.submittedAt,
      });
  }
  return [...marks.values()];
}

/** Per question: how often it was answered wrong and whether the latest answer is still wrong. */
async function bookState(app: AppContext, residentId: Types.ObjectId) {
  const marks = await wrongBookMarks(app, residentId);
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
  const questions = new Map(
    (
      await Questions(app.db)
        .find({ _id: { $in: open.map((s) => s.questionId) } })
        .lean()
    ).map((q) => [String(q._id), q]),
  );
  const items = open
    .sort((a, b) => b.lastWrongAt.getTime() - a.lastWrongAt.getTime())
    .flatMap((s) => {
      const q = questions.get(String(s.questionId));
      return q
        ? [
            {
              questionId: String(q._id),
              type: q.type,
              stem: q.stem,
              options: q.options.map((o) => ({ key: o.key, text: o.text })),
              answer: q.answer,
              explanation: q.explanation,
              item: q.item ?? null,
              topics: q.topics,
              wrongCount: s.wrongCount,
              lastWrongAt: s.lastWrongAt.toISOString(),
            },
          ]
        : [];
    });
  return { count: items.length, items };
}

/**
 * What the resident's open mistakes are about, the latest first (at most `limit`): the health-literacy items
 * and topics of those questions. Recommendations read nothing else of the wrong book.
 */
export async function recentMistakeTags(app: AppContext, residentId: Types.ObjectId, limit = 10): Promise<{ items: number[]; topics: string[] }> {
  const open = (await bookState(app, residentId))
    .filter((s) => s.open)
    .sort((a, b) => b.lastWrongAt.getTime() - a.lastWrongAt.getTime())
    .slice(0, limit);
  if (!open.length) return { items: [], topics: [] };
  const rows = await Questions(app.db)
    .find({ _id: { $in: open.map((s) => s.questionId) } }, { item: 1, topics: 1 })
    .lean();
  return {
    items: [...new Set(rows.flatMap((q) => (q.item ? [q.item] : [])))],
    topics: [...new Set(rows.flatMap((q) => q.topics))],
  };
}
