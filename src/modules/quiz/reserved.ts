import type { Connection } from 'mongoose';
import type { AppContext } from '../../context';
import { inBlueprint } from './blueprint';
import { Contests, type QuestionDoc } from './quiz.model';

/**
 * Questions held back from daily and practice quizzes while a round that reserves them is open (published
 * and not yet ended), so nobody collects a round's answers in practice first. An open assessment reserves
 * every question the standard paper can draw. A per-contest reservation option adds its contests' questions
 * to the same predicate here; callers only ask `isFree(q)`.
 */
const TTL_MS = 10_000;
const cache = new WeakMap<Connection, { at: number; free: Promise<(q: QuestionDoc) => boolean> }>();

async function load(app: AppContext): Promise<(q: QuestionDoc) => boolean> {
  const open = await Contests(app.db).exists({ kind: 'assessment', status: 'published', endAt: { $gt: app.clock.now() } });
  return open ? (q) => !inBlueprint(q) : () => true;
}

/** A predicate telling whether a question may be served outside its round; cached a few seconds. */
export async function freeQuestions(app: AppContext): Promise<(q: QuestionDoc) => boolean> {
  const hit = cache.get(app.db);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.free;
  const free = load(app);
  cache.set(app.db, { at: Date.now(), free });
  return free.catch((err) => {
    cache.delete(app.db);
    throw err;
  });
}

/** Publishing or closing a round changes what is reserved: forget the cached answer at once. */
export function invalidateReserved(app: AppContext): void {
  cache.delete(app.db);
}
