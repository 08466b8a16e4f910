import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { insertManyKeyed, isDuplicateKey } from '../../db/model';
import { AppError } from '../../http/errors';
import { z } from '../../http/zod';
import { Questions, QuestionVersions, type QuestionContent, type QuestionDoc } from './quiz.model';
import { invalidatePool } from './pool';
import bank from './bank/questions.json';

const OPTION_KEYS = ['A', 'B', 'C', 'D', 'E', 'F'] as const;

/** One question as staff, the seed file and imports write it; every rule of the bank lives here. */
const QuestionBase = z
  .object({
    key: z.string().regex(/^[\w-]{1,60}$/, '编号只能包含字母、数字、短横线和下划线'),
    type: z.enum(['single', 'multi', 'judge']),
    stem: z.string().trim().min(2, '题干不能为空').max(500),
    options: z
      .array(z.object({ key: z.enum(OPTION_KEYS), text: z.string().trim().min(1, '选项不能为空').max(200) }).strict())
      .min(2, '至少 2 个选项')
      .max(6, '最多 6 个选项'),
    answer: z.array(z.enum(OPTION_KEYS)).min(1, '请填写答案').max(6),
    explanation: z.string().trim().min(2, '请填写解析').max(500),
    bank: z.string().max(40).optional(),
    item: z.number().int().min(1).max(200).optional(),
    part: z.string().max(40).optional(),
    topics: z.array(z.string().trim().min(1).max(20)).max(10).default([]),
    difficulty: z.number().int().min(1).max(3).default(1),
    active: z.boolean().optional(),
  })
  .strict();

export const QuestionPatch = QuestionBase.omit({ key: true }).partial().strict().openapi('QuizQuestionPatch');

export const QuestionInput = QuestionBase.superRefine((q, ctx) => {
  const keys = q.options.map((o) => o.key);
  if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', path: ['options'], message: '选项字母重复' });
  if (new Set(q.answer).size !== q.answer.length) ctx.addIssue({ code: 'custom', path: ['answer'], message: '答案重复' });
  if (q.answer.some((a) => !keys.includes(a))) ctx.addIssue({ code: 'custom', path: ['answer'], message: '答案不在选项中' });
  if (q.type !== 'multi' && q.answer.length !== 1) ctx.addIssue({ code: 'custom', path: ['answer'], message: '单选题和判断题只有一个答案' });
  if (q.type === 'multi' && q.answer.length < 2) ctx.addIssue({ code: 'custom', path: ['answer'], message: '多选题至少两个答案' });
  if (q.type === 'judge' && q.options.length !== 2) ctx.addIssue({ code: 'custom', path: ['options'], message: '判断题只有两个选项' });
}).openapi('QuizQuestionInput');
export type QuestionInput = z.infer<typeof QuestionInput>;

const contentOf = (q: QuestionInput): QuestionContent => ({
  type: q.type,
  stem: q.stem,
  options: q.options.map((o) => ({ key: o.key, text: o.text })),
  answer: [...q.answer],
  explanation: q.explanation,
  ...(q.bank ? { bank: q.bank } : {}),
  ...(q.item !== undefined ? { item: q.item } : {}),
  ...(q.part ? { part: q.part } : {}),
  topics: [...q.topics],
  difficulty: q.difficulty,
});

const tagsOf = (c: QuestionContent): string[] => [...new Set([...c.topics, ...(c.bank ? [c.bank] : [])])];

const fingerprint = (c: QuestionContent): string =>
  JSON.stringify([
    c.type,
    c.stem,
    c.options.map((o) => [o.key, o.text]),
    c.answer,
    c.explanation,
    c.bank ?? null,
    c.item ?? null,
    c.part ?? null,
    c.topics,
    c.difficulty,
  ]);

type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Create or edit one question by key. An edit writes the new version first and then moves the question to it,
 * so every version an attempt refers to stays readable.
 */
export async function upsertQuestion(
  app: AppContext,
  input: QuestionInput,
  known?: QuestionDoc | null,
): Promise<{ outcome: UpsertOutcome; question: QuestionDoc }> {
  const result = await writeQuestion(app, input, known);
  if (result.outcome !== 'unchanged') invalidatePool(app);
  return result;
}

async function writeQuestion(app: AppContext, input: QuestionInput, known?: QuestionDoc | null): Promise<{ outcome: UpsertOutcome; question: QuestionDoc }> {
  const c = contentOf(input);
  const now = app.clock.now();
  const existing = known ?? (await Questions(app.db).findOne({ key: input.key }).lean());
  if (!existing) {
    const _id = new Types.ObjectId();
    await QuestionVersions(app.db).create({ questionId: _id, key: input.key, version: 1, createdAt: now, ...c });
    try {
      const doc = await Questions(app.db).create({ _id, key: input.key, version: 1, active: input.active ?? true, tags: tagsOf(c), updatedAt: now, ...c });
      return { outcome: 'created', question: doc.toObject() };
    } catch (err) {
      await QuestionVersions(app.db).deleteOne({ questionId: _id });
      if (isDuplicateKey(err)) return writeQuestion(app, input); // a concurrent creation won; edit it instead
      throw err;
    }
  }
  const activeChanged = input.active !== undefined && input.active !== existing.active;
  if (fingerprint(existing) === fingerprint(c)) {
    if (!activeChanged) return { outcome: 'unchanged', question: existing };
    const q = await Questions(app.db)
      .findByIdAndUpdate(existing._id, { $set: { active: input.active, updatedAt: now } }, { new: true })
      .lean();
    return { outcome: 'updated', question: q ?? existing };
  }
  const version = existing.version + 1;
  try {
    await QuestionVersions(app.db).create({ questionId: existing._id, key: existing.key, version, createdAt: now, ...c });
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('QUESTION_EDIT_CONFLICT', 409, '这道题刚被别人修改过，请刷新后再改');
    throw err;
  }
  const unset = Object.fromEntries((['bank', 'item', 'part'] as const).filter((k) => c[k] === undefined).map((k) => [k, 1]));
  const q = await Questions(app.db)
    .findByIdAndUpdate(
      existing._id,
      {
        $set: { ...c, version, tags: tagsOf(c), updatedAt: now, ...(input.active !== undefined ? { active: input.active } : {}) },
        ...(Object.keys(unset).length ? { $unset: unset } : {}),
      },
      { new: true },
    )
    .lean();
  return { outcome: 'updated', question: q! };
}

/**
 * Upsert many questions by key: new ones in two bulk inserts (versions first), edits one by one. Rows whose
 * insert lost to a concurrent writer fall back to the single-question path.
 */
export async function upsertQuestions(app: AppContext, inputs: QuestionInput[]): Promise<Record<UpsertOutcome, number>> {
  const counts: Record<UpsertOutcome, number> = { created: 0, updated: 0, unchanged: 0 };
  const existing = new Map(
    (
      await Questions(app.db)
        .find({ key: { $in: inputs.map((q) => q.key) } })
        .lean()
    ).map((q) => [q.key, q]),
  );
  const now = app.clock.now();
  const fresh = inputs.filter((q) => !existing.has(q.key)).map((q) => ({ _id: new Types.ObjectId(), input: q, c: contentOf(q) }));
  const retry: QuestionInput[] = [];
  if (fresh.length) {
    await QuestionVersions(app.db).insertMany(
      fresh.map((f) => ({ questionId: f._id, key: f.input.key, version: 1, createdAt: now, ...f.c })),
      { ordered: false },
    );
    const refused = await insertManyKeyed(
      Questions(app.db),
      fresh.map((f) => ({ _id: f._id, key: f.input.key, version: 1, active: f.input.active ?? true, tags: tagsOf(f.c), updatedAt: now, ...f.c })),
    );
    const lost = fresh.filter((_, i) => refused.has(i));
    if (lost.length) await QuestionVersions(app.db).deleteMany({ questionId: { $in: lost.map((f) => f._id) } });
    retry.push(...lost.map((f) => f.input));
    counts.created += fresh.length - lost.length;
    invalidatePool(app);
  }
  for (const q of inputs.filter((q) => existing.has(q.key))) counts[(await upsertQuestion(app, q, existing.get(q.key))).outcome]++;
  for (const q of retry) counts[(await upsertQuestion(app, q)).outcome]++;
  return counts;
}

/** `npm run seed`: the shipped bank, upserted by key; running it again changes nothing. */
export async function seedQuestionBank(app: AppContext): Promise<Record<UpsertOutcome, number>> {
  return upsertQuestions(
    app,
    (bank as unknown[]).map((raw) => QuestionInput.parse(raw)),
  );
}

/**
 * At start: add the shipped questions whose key the bank does not have yet, so a fresh install has a daily quiz.
 * Questions staff have edited or retired are left as they are (`npm run seed` is the explicit reset).
 */
export async function seedMissingQuestions(app: AppContext): Promise<{ created: number }> {
  const shipped = (bank as unknown[]).map((raw) => QuestionInput.parse(raw));
  const have = new Set(
    (
      await Questions(app.db)
        .find({ key: { $in: shipped.map((q) => q.key) } }, { key: 1 })
        .lean()
    ).map((q) => q.key),
  );
  const missing = shipped.filter((q) => !have.has(q.key));
  return { created: missing.length ? (await upsertQuestions(app, missing)).created : 0 };
}

/** The staff/export view of a question: everything, answers included. */
export const fullQuestionView = (q: QuestionDoc) => ({
  id: String(q._id),
  key: q.key,
  version: q.version,
  active: q.active,
  type: q.type,
  stem: q.stem,
  options: q.options.map((o) => ({ key: o.key, text: o.text })),
  answer: q.answer,
  explanation: q.explanation,
  bank: q.bank ?? null,
  item: q.item ?? null,
  part: q.part ?? null,
  topics: q.topics,
  difficulty: q.difficulty,
  updatedAt: q.updatedAt.toISOString(),
});
