import crypto from 'node:crypto';
import type { Connection, Types } from 'mongoose';
import type { AppContext } from '../../context';
import { Questions, QuestionVersions, type AttemptItem, type DrawRule, type QuestionContent, type QuestionDoc } from './quiz.model';

/**
 * Active questions kept in memory for drawing (a few hundred small documents), refreshed every few seconds and
 * dropped at once when this process edits the bank. Versions are immutable, so their cache never goes stale.
 */
const POOL_TTL_MS = 10_000;
const pools = new WeakMap<Connection, { at: number; questions: Promise<QuestionDoc[]> }>();
const versions = new WeakMap<Connection, Map<string, QuestionContent & { questionId: Types.ObjectId; version: number }>>();

export function invalidatePool(app: AppContext): void {
  pools.delete(app.db);
}

export async function activeQuestions(app: AppContext): Promise<QuestionDoc[]> {
  const hit = pools.get(app.db);
  if (hit && Date.now() - hit.at < POOL_TTL_MS) return hit.questions;
  const questions = Questions(app.db).find({ active: true }).lean().exec();
  pools.set(app.db, { at: Date.now(), questions });
  return questions.catch((err) => {
    pools.delete(app.db);
    throw err;
  });
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const matches = (q: QuestionDoc, r: DrawRule): boolean =>
  (r.tags.length === 0 || r.tags.some((t) => q.tags.includes(t))) && (r.difficulty === undefined || q.difficulty === r.difficulty);

/** Draw without repeats: each rule takes `count` random questions not already taken; options are shuffled. */
export function draw(pool: QuestionDoc[], rules: DrawRule[], only?: (q: QuestionDoc) => boolean): AttemptItem[] {
  const taken = new Set<string>();
  const picked: QuestionDoc[] = [];
  for (const rule of rules) {
    const candidates = pool.filter((q) => !taken.has(String(q._id)) && matches(q, rule) && (!only || only(q)));
    for (const q of shuffle(candidates).slice(0, rule.count)) {
      taken.add(String(q._id));
      picked.push(q);
    }
  }
  return shuffle(picked).map((q) => ({
    questionId: q._id,
    version: q.version,
    // Judge options stay 对/错 in their natural order; shuffling them only confuses.
    optionOrder: q.type === 'judge' ? q.options.map((o) => o.key) : shuffle(q.options.map((o) => o.key)),
  }));
}

/** The exact versions an attempt showed, from cache or the version collection. */
export async function loadVersions(app: AppContext, items: Pick<AttemptItem, 'questionId' | 'version'>[]) {
  let cache = versions.get(app.db);
  if (!cache) versions.set(app.db, (cache = new Map()));
  const key = (i: { questionId: Types.ObjectId; version: number }) => `${String(i.questionId)}:${i.version}`;
  // The current version of an active question is in the pool already; only older versions need a query.
  if (items.some((i) => !cache.has(key(i)))) {
    for (const q of await activeQuestions(app))
      if (!cache.has(key({ questionId: q._id, version: q.version }))) cache.set(key({ questionId: q._id, version: q.version }), { ...q, questionId: q._id });
  }
  const missing = items.filter((i) => !cache.has(key(i)));
  if (missing.length) {
    const rows = await QuestionVersions(app.db)
      .find({ $or: missing.map((i) => ({ questionId: i.questionId, version: i.version })) })
      .lean();
    if (cache.size > 20_000) cache.clear();
    for (const r of rows) cache.set(key(r), r);
  }
  return items.map((i) => {
    const v = cache.get(key(i));
    if (!v) throw new Error(`question version missing: ${key(i)}`);
    return v;
  });
}
