import type { Connection, Types } from 'mongoose';
import type { AppContext } from '../../context';
import { inBlueprint } from './blueprint';
import { activeQuestions, draw } from './pool';
import { Contests, type ContestDoc, type QuestionDoc } from './quiz.model';

/**
 * Questions held back for a contest that asks for it (`reserveQuestions`, set by assessments): at publish the
 * contest fixes its own pool, `RESERVE_POOL_FACTOR` times what one attempt draws per rule, and its attempts draw only
 * from that pool. Practice and the daily quiz never serve a reserved question until the round closes (closed, or
 * past its end), so nobody can collect a round's answers by practising first.
 */
export const RESERVE_POOL_FACTOR = 2;

/** The open reserving contests' pools, read at most every few seconds per process (the practice hot path asks often). */
const RESERVED_TTL_MS = 10_000;
type Pool = { endAt: Date; ids: Types.ObjectId[] };
/** The open rounds' pools as read, and the set built from them: kept until the earliest open round ends. */
type Entry = { at: number; pools: Promise<Pool[]>; set?: { ids: Set<string>; until: number } };
const cache = new WeakMap<Connection, Entry>();
/** The practice pool (active minus reserved), per active pool and reserved set, so requests only read it. */
const practicePools = new WeakMap<QuestionDoc[], { reserved: Set<string>; pool: QuestionDoc[] }>();

export function forgetReserved(app: AppContext): void {
  cache.delete(app.db);
}

/** The pool a reserving contest fixes at publish: per rule, up to `count × RESERVE_POOL_FACTOR` matching questions. */
export function reservePool(active: QuestionDoc[], c: Pick<ContestDoc, 'drawRules' | 'kind'>): Types.ObjectId[] {
  // An assessment's standard paper may draw any question of the 66 items: all of them are held back.
  if (c.kind === 'assessment') return active.filter(inBlueprint).map((q) => q._id);
  return draw(
    active,
    c.drawRules.map((r) => ({ ...r, count: r.count * RESERVE_POOL_FACTOR })),
  ).map((i) => i.questionId);
}

function openPools(app: AppContext): Entry {
  const hit = cache.get(app.db);
  if (hit && Date.now() - hit.at < RESERVED_TTL_MS) return hit;
  const pools = Contests(app.db)
    .find({ status: 'published', reserveQuestions: true }, { endAt: 1, reservedQuestionIds: 1 })
    .lean()
    .exec()
    .then((rows) => rows.map((c) => ({ endAt: c.endAt, ids: c.reservedQuestionIds ?? [] })));
  const entry: Entry = { at: Date.now(), pools };
  cache.set(app.db, entry);
  pools.catch(() => cache.delete(app.db));
  return entry;
}

/** Ids of questions reserved by a round that is still open now (the same Set object while nothing changes). */
export async function reservedNow(app: AppContext): Promise<Set<string>> {
  const entry = openPools(app);
  const pools = await entry.pools;
  const now = app.clock.now().getTime();
  if (entry.set && now < entry.set.until) return entry.set.ids;
  const ids = new Set<string>();
  let until = Infinity;
  for (const p of pools) {
    const end = p.endAt.getTime();
    if (end <= now) continue;
    until = Math.min(until, end);
    for (const id of p.ids) ids.add(String(id));
  }
  entry.set = { ids, until };
  return ids;
}

/** Active questions practice and the daily quiz may serve: none that an open round holds back. */
export async function practiceQuestions(app: AppContext): Promise<QuestionDoc[]> {
  const [active, reserved] = await Promise.all([activeQuestions(app), reservedNow(app)]);
  if (reserved.size === 0) return active;
  const hit = practicePools.get(active);
  if (hit?.reserved === reserved) return hit.pool;
  const pool = active.filter((q) => !reserved.has(String(q._id)));
  practicePools.set(active, { reserved, pool });
  return pool;
}
