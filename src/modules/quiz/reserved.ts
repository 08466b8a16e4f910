import type { Connection, Types } from 'mongoose';
import type { AppContext } from '../../context';
import { inBlueprint } from './blueprint';
import { draw } from './pool';
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
const cache = new WeakMap<Connection, { at: number; pools: Promise<Pool[]> }>();

export function forgetReserved(app: AppContext): void {
  cache.delete(app.db);
}

/** The pool a reserving contest fixes at publish: per rule, up to `count × RESERVE_POOL_FACTOR` matching questions. */
export function reservePool(active: QuestionDoc[], c: Pick<ContestDoc, 'drawRules' | 'kind'>): Types.ObjectId[] {
  // An assessment's standard paper may draw any question of the 66 items: all of them are held back.
  if (c.kind === 'assessment') return active.filter(inBlueprint).map((q) => q._id);
  return draw(active, c.drawRules.map((r) => ({ ...r, count: r.count * RESERVE_POOL_FACTOR }))).map((i) => i.questionId);
}

async function openPools(app: AppContext): Promise<Pool[]> {
  const hit = cache.get(app.db);
  if (hit && Date.now() - hit.at < RESERVED_TTL_MS) return hit.pools;
  const pools = Contests(app.db)
    .find({ status: 'published', reserveQuestions: true }, { endAt: 1, reservedQuestionIds: 1 })
    .lean()
    .exec()
    .then((rows) => rows.map((c) => ({ endAt: c.endAt, ids: c.reservedQuestionIds ?? [] })));
  cache.set(app.db, { at: Date.now(), pools });
  return pools.catch((err) => {
    cache.delete(app.db);
    throw err;
  });
}

/** Ids of questions reserved by a round that is still open now. */
export async function reservedNow(app: AppContext): Promise<Set<string>> {
  const now = app.clock.now();
  const ids = new Set<string>();
  for (const p of await openPools(app)) if (p.endAt > now) for (const id of p.ids) ids.add(String(id));
  return ids;
}
