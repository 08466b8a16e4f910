import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { notFound } from '../../http/errors';
import { maskName } from '../../lib/pii';
import { villagesUnder } from '../areas';
import { getResident, registeredByVillage, residentsByIds } from '../residents';
import { LRUCache } from 'lru-cache';
import { isDuplicateKey } from '../../db/model';
import { cachedContest } from './contests.service';
import { Contests, QuizBests, QuizBoards, type BestDoc, type BoardDoc, type ContestDoc, type SubmissionDoc } from './quiz.model';
import { QUIZ } from './quiz.rules';

interface Entry {
  residentId: string;
  villageCode: string;
  areaPath: string[];
  score: number;
  durationMs: number;
  at: number;
}
type Village = BoardDoc['villages'][number];
interface Board {
  computedAt: number;
  entries: Entry[];
  villages: Village[];
  byScope: Map<string, Entry[]>;
  names: Map<string, string>;
}

const better = (a: Entry, b: Entry) => b.score - a.score || a.durationMs - b.durationMs || a.at - b.at;

/** Record a contest submission's result; an insert only when it may beat what this process has seen. */
const knownBest = new LRUCache<string, { score: number }>({ max: 50_000 });
export async function recordBest(app: AppContext, sub: SubmissionDoc): Promise<void> {
  if (!sub.contestId || (sub.tooFast && !sub.flagCleared)) return;
  const who = `${app.db.name}:${String(sub.contestId)}:${String(sub.residentId)}`;
  if ((knownBest.get(who)?.score ?? -1) >= sub.score) return;
  const doc: BestDoc = {
    _id: `${String(sub.contestId)}:${String(sub.residentId)}:${sub.score}`, contestId: sub.contestId, residentId: sub.residentId,
    villageCode: sub.villageCode ?? '', score: sub.score, durationMs: sub.durationMs, at: sub.submittedAt, submissionId: sub._id,
  };
  await QuizBests(app.db).collection.insertOne(doc as never).catch((err: unknown) => {
    if (!isDuplicateKey(err)) throw err; // this score is recorded already, by an earlier submission
  });
  knownBest.set(who, { score: sub.score });
}

const PRUNE_PER_REFRESH = 5_000;

/** Compute a contest's board from the best-result records and keep it (one document by `_id`). */
async function compute(app: AppContext, c: ContestDoc): Promise<BoardDoc> {
  const computedAt = app.clock.now();
  const rows = await QuizBests(app.db).find({ contestId: c._id }, { _id: 1, residentId: 1, villageCode: 1, score: 1, durationMs: 1, at: 1 }).lean();
  const best = new Map<string, Entry & { id: string }>();
  const superseded: string[] = [];
  for (const r of rows) {
    const e = { id: r._id, residentId: String(r.residentId), villageCode: r.villageCode, areaPath: [], score: r.score, durationMs: r.durationMs, at: r.at.getTime() };
    const prev = best.get(e.residentId);
    if (!prev || better(e, prev) < 0) {
      if (prev) superseded.push(prev.id);
      best.set(e.residentId, e);
    } else superseded.push(e.id);
  }
  // a lower score of a resident who has a better one is never needed again: later refreshes read less (a few
  // hundred ids per command, the server binds each as a variable; at most PRUNE_PER_REFRESH per refresh)
  for (let i = 0; i < Math.min(superseded.length, PRUNE_PER_REFRESH); i += 500) {
    await QuizBests(app.db).collection.deleteMany({ _id: { $in: superseded.slice(i, i + 500) } } as never);
  }
  const entries = [...best.values()].sort(better);
  const [areas, regBy] = await Promise.all([villagesUnder(app, c.areaCode), registeredByVillage(app, c.areaCode)]);
  const scoreBy = new Map<string, { n: number; sum: number }>();
  for (const e of entries) {
    const v = scoreBy.get(e.villageCode) ?? { n: 0, sum: 0 };
    v.n++;
    v.sum += e.score;
    scoreBy.set(e.villageCode, v);
  }
  const villages = areas
    .map((a) => {
      const s = scoreBy.get(a.code) ?? { n: 0, sum: 0 };
      const reg = regBy.get(a.code) ?? 0;
      return {
        code: a.code, name: a.name, path: a.path, participants: s.n, registered: reg,
        participation: reg ? Math.round((s.n / reg) * 1000) / 1000 : 0,
        avgScore: s.n ? Math.round((s.sum / s.n) * 10) / 10 : 0,
      };
    })
    .sort((a, b) => b.participation - a.participation || b.avgScore - a.avgScore || a.code.localeCompare(b.code));
  const doc: BoardDoc = {
    _id: String(c._id), computedAt, villages,
    entries: { resident: entries.map((e) => e.residentId), village: entries.map((e) => e.villageCode), score: entries.map((e) => e.score), durationMs: entries.map((e) => e.durationMs), at: entries.map((e) => e.at) },
  };
  await QuizBoards(app.db).collection.replaceOne({ _id: doc._id } as never, doc, { upsert: true });
  return doc;
}

function boardOf(doc: BoardDoc, names = new Map<string, string>()): Board {
  const pathOf = new Map(doc.villages.map((v) => [v.code, v.path]));
  const e = doc.entries;
  const entries = e.resident.map((residentId, i) => ({ residentId, villageCode: e.village[i]!, areaPath: pathOf.get(e.village[i]!) ?? [], score: e.score[i]!, durationMs: e.durationMs[i]!, at: e.at[i]! }));
  return { computedAt: doc.computedAt.getTime(), entries, villages: doc.villages, byScope: new Map(), names };
}

/**
 * Boards in this process, read from the kept document at most every TTL. Computing is the worker's task
 * (`refreshLeaderboards`); a read never waits for it — a board nobody computed yet is empty until then, and
 * one that is missing or long stale (no worker running) gets a refresh started behind the read.
 */
const boards = new Map<string, { board?: Board; readAt?: number; reading?: Promise<Board | undefined>; refreshing?: Promise<unknown> }>();
const slotOf = (app: AppContext, c: ContestDoc) => {
  const key = `${app.db.name}:${String(c._id)}`;
  let slot = boards.get(key);
  if (!slot) boards.set(key, (slot = {}));
  return slot;
};

/** Compute one contest's board unless a refresh of it is running in this process already. */
function refreshBoard(app: AppContext, c: ContestDoc): Promise<unknown> {
  const slot = slotOf(app, c);
  slot.refreshing ??= compute(app, c)
    .then((doc) => {
      slot.board = boardOf(doc, slot.board?.names); // masked names carry over: the top changes little
      slot.readAt = Date.now();
    })
    .finally(() => (slot.refreshing = undefined));
  return slot.refreshing;
}

const REFRESH_EVERY_MS = 10_000;

/** Worker task: recompute the boards of contests open now or closed within the last day. */
export async function refreshLeaderboards(app: AppContext): Promise<number> {
  const now = app.clock.now();
  const open = await Contests(app.db).find({ status: { $in: ['published', 'closed'] }, startAt: { $lte: now }, endAt: { $gte: new Date(now.getTime() - 24 * 3600_000) } }).lean();
  for (const c of open) {
    await slotOf(app, c).refreshing?.catch(() => undefined); // one started before now may miss the latest results
    await refreshBoard(app, c);
  }
  return open.length;
}

async function board(app: AppContext, c: ContestDoc): Promise<Board> {
  const slot = slotOf(app, c);
  if (!slot.reading && (!slot.readAt || Date.now() - slot.readAt >= QUIZ.leaderboardTtlMs)) {
    slot.reading = QuizBoards(app.db).findById(String(c._id)).lean<BoardDoc>().exec()
      .then((doc) => {
        slot.readAt = Date.now();
        if (doc && (!slot.board || doc.computedAt.getTime() > slot.board.computedAt)) slot.board = boardOf(doc, slot.board?.names);
        return slot.board;
      })
      .finally(() => (slot.reading = undefined));
  }
  // a board in memory is answered at once; the kept one is read behind it
  const b = slot.board ?? (await slot.reading);
  if (!b || app.clock.now().getTime() - b.computedAt > 3 * REFRESH_EVERY_MS) {
    refreshBoard(app, c).catch((err) => app.logger.error({ err, event: 'quiz.leaderboard.refresh_failed' }, 'leaderboard refresh failed'));
  }
  return b ?? { computedAt: app.clock.now().getTime(), entries: [], villages: [], byScope: new Map(), names: new Map() };
}

async function names(app: AppContext, b: Board, ids: string[]): Promise<void> {
  const missing = ids.filter((id) => !b.names.has(id));
  if (!missing.length) return;
  const rows = await residentsByIds(app, missing.map((id) => new Types.ObjectId(id)), ['nameEnc']);
  for (const id of missing) b.names.set(id, '居民');
  for (const r of rows) if (r.nameEnc) b.names.set(String(r._id), maskName(app.pii.open(r.nameEnc)));
}

export type Scope = 'village' | 'town' | 'district';

/** The resident's view: top residents within their village / town / district, their own rank, villages ranked. */
export async function leaderboardForResident(app: AppContext, residentId: Types.ObjectId, contestId: string, scope: Scope) {
  const r = await getResident(app, residentId);
  const c = Types.ObjectId.isValid(contestId) ? await cachedContest(app, contestId) : null;
  if (!c || c.status === 'draft' || !r.areaPath.includes(c.areaCode)) throw notFound('竞赛');
  const scopeCode = scope === 'village' ? r.villageCode : r.areaPath[scope === 'town' ? 1 : 0];
  const b = await board(app, c);
  const list = scopeCode ? b.byScope.get(scopeCode) ?? b.entries.filter((e) => e.areaPath.includes(scopeCode)) : [];
  if (scopeCode) b.byScope.set(scopeCode, list);
  const top = list.slice(0, QUIZ.leaderboardSize);
  await names(app, b, top.map((e) => e.residentId));
  const mine = list.findIndex((e) => e.residentId === String(residentId));
  return {
    scope,
    computedAt: new Date(b.computedAt).toISOString(),
    participants: list.length,
    entries: top.map((e, i) => ({ rank: i + 1, name: b.names.get(e.residentId) ?? '居民', villageCode: e.villageCode, score: e.score, durationSec: Math.round(e.durationMs / 1000), me: e.residentId === String(residentId) })),
    me: mine >= 0 ? { rank: mine + 1, score: list[mine]!.score } : null,
    villages: b.villages
      .filter((v) => (scopeCode ? v.path.includes(scopeCode) : false))
      .map((v, i) => ({ rank: i + 1, code: v.code, name: v.name, participants: v.participants, registered: v.registered, participation: v.participation, avgScore: v.avgScore })),
  };
}
