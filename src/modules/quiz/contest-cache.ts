import type { AppContext } from '../../context';
import { cachePerDatabase } from '../../db/coordination';
import { Contests, type ContestDoc } from './quiz.model';

// Contest rules change rarely and only before publishing; a few seconds of caching spares each resident
// request a read. This process forgets a contest at once when it changes it; others within CONTEST_CACHE_MS.
const CONTEST_CACHE_MS = 5_000;
const contestCache = cachePerDatabase<{ contest: Promise<ContestDoc | null> }>(CONTEST_CACHE_MS, 2_000);

export function cachedContest(app: AppContext, id: string): Promise<ContestDoc | null> {
  const cache = contestCache(app);
  const hit = cache.get(id);
  if (hit) return hit.contest;
  const contest = Contests(app.db).findById(id).lean<ContestDoc>().exec();
  cache.set(id, { contest });
  contest.catch(() => cache.delete(id));
  return contest;
}

export const forgetContest = (app: AppContext, id: unknown): void => void contestCache(app).delete(String(id));
