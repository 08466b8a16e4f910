import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { collectionOf, insertWins } from '../../db/coordination';
import { maskName } from '../../lib/pii';
import { RESIDENT_CACHE_MS } from '../residents';
import { QuizFresh, type FreshDoc, type SubmissionDoc } from './quiz.model';

/**
 * What the leaderboards take in besides the tallies: board events (`quizfreshresults`) — a cleared flag, an
 * erasure, a rename — each one insert, folded into the boards by the tally fold (leaderboard-fold.ts).
 */

/** Staff cleared a too-fast contest submission: it now counts on the board. */
export async function noteCleared(app: AppContext, sub: SubmissionDoc): Promise<void> {
  if (!sub.contestId) return;
  const doc: FreshDoc = {
    _id: `c:${String(sub._id)}`,
    residentId: sub.residentId,
    at: sub.submittedAt,
    contestId: sub.contestId,
    board: true,
    villageCode: sub.villageCode ?? '',
    score: sub.score,
    durationMs: sub.durationMs,
  };
  await insertWins(() => collectionOf(QuizFresh(app.db)).insertOne(doc)); // refused: noted already
}

/** "Erase me": the resident leaves the boards of these contests at the next fold. */
export async function noteErased(app: AppContext, residentId: Types.ObjectId, contestIds: Types.ObjectId[]): Promise<void> {
  const docs: FreshDoc[] = contestIds.map((contestId) => ({
    _id: `e:${String(residentId)}:${String(contestId)}:${String(new Types.ObjectId())}`,
    residentId,
    at: app.clock.now(),
    contestId,
    erase: true,
  }));
  if (docs.length) await collectionOf(QuizFresh(app.db)).insertMany(docs, { ordered: false });
}

/** What a board shows of a resident: the masked name, or a placeholder for a resident without one. */
export const shownName = (app: AppContext, nameEnc: string | undefined): string => (nameEnc ? maskName(app.pii.open(nameEnc)) : '居民');

/**
 * A resident changed their name: every contest they started an attempt in shows the new masked name from the
 * next fold, which finds those contests (a scan of the attempts: the worker's, not the profile request's). The
 * event outranks names read until the resident cache of every process has let the old name go, so a result
 * from an attempt started on a stale cached profile cannot bring the old name back.
 */
export async function noteRenamed(app: AppContext, residentId: Types.ObjectId, name: string): Promise<void> {
  const doc: FreshDoc = {
    _id: `n:${String(residentId)}:${String(new Types.ObjectId())}`,
    residentId,
    at: new Date(app.clock.now().getTime() + RESIDENT_CACHE_MS),
    name: maskName(name),
  };
  await collectionOf(QuizFresh(app.db)).insertOne(doc);
}
