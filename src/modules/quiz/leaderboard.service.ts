import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { notFound } from '../../http/errors';
import { maskName } from '../../lib/pii';
import { villagesUnder } from '../areas';
import { getResident, registeredByVillage, residentsByIds } from '../residents';
import { Contests, Submissions, type ContestDoc } from './quiz.model';
import { QUIZ } from './quiz.rules';

interface Entry {
  residentId: string;
  villageCode: string;
  areaPath: string[];
  score: number;
  durationMs: number;
  at: number;
}
interface Village {
  code: string;
  name: string;
  path: string[];
  participants: number;
  registered: number;
  participation: number;
  avgScore: number;
}
interface Board {
  computedAt: number;
  entries: Entry[];
  villages: Village[];
  byScope: Map<string, Entry[]>;
  names: Map<string, string>;
}

/**
 * Leaderboards are derived from the submissions (the only source of truth) and cached per contest. A read
 * within the TTL is served from memory; a slightly stale board is served while one refresh runs behind it;
 * a long-stale board is recomputed before answering. So reads never scan attempts, and never drift.
 */
const boards = new Map<string, { board?: Board; refreshing?: Promise<Board>; computeMs?: number }>();

const better = (a: Entry, b: Entry) => b.score - a.score || a.durationMs - b.durationMs || a.at - b.at;

async function compute(app: AppContext, c: ContestDoc): Promise<Board> {
  const computedAt = app.clock.now().getTime();
  const rows = await Submissions(app.db)
    .aggregate<{ residentId: Types.ObjectId; villageCode?: string; areaPath: string[]; score: number; durationMs: number; submittedAt: Date }>([
      { $match: { contestId: c._id, $or: [{ tooFast: false }, { flagCleared: true }] } },
      { $project: { _id: 0, residentId: 1, villageCode: 1, areaPath: 1, score: 1, durationMs: 1, submittedAt: 1 } },
    ])
    .allowDiskUse(true);
  const best = new Map<string, Entry>();
  for (const r of rows) {
    const e: Entry = { residentId: String(r.residentId), villageCode: r.villageCode ?? '', areaPath: r.areaPath, score: r.score, durationMs: r.durationMs, at: r.submittedAt.getTime() };
    const prev = best.get(e.residentId);
    if (!prev || better(e, prev) < 0) best.set(e.residentId, e);
  }
  const entries = [...best.values()].sort(better);
  const [areas, regBy] = await Promise.all([villagesUnder(app, c.areaCode), registeredByVillage(app, c.areaCode)]);
  const scoreBy = new Map<string, number[]>();
  for (const e of entries) scoreBy.set(e.villageCode, [...(scoreBy.get(e.villageCode) ?? []), e.score]);
  const villages = areas
    .map((a) => {
      const scores = scoreBy.get(a.code) ?? [];
      const reg = regBy.get(a.code) ?? 0;
      return {
        code: a.code, name: a.name, path: a.path, participants: scores.length, registered: reg,
        participation: reg ? Math.round((scores.length / reg) * 1000) / 1000 : 0,
        avgScore: scores.length ? Math.round((scores.reduce((s, x) => s + x, 0) / scores.length) * 10) / 10 : 0,
      };
    })
    .sort((a, b) => b.participation - a.participation || b.avgScore - a.avgScore || a.code.localeCompare(b.code));
  return { computedAt, entries, villages, byScope: new Map(), names: new Map() };
}

async function board(app: AppContext, c: ContestDoc): Promise<Board> {
  const key = `${app.db.name}:${String(c._id)}`;
  const slot = boards.get(key) ?? {};
  boards.set(key, slot);
  const refresh = () => {
    const started = Date.now();
    slot.refreshing ??= compute(app, c)
      .then((b) => {
        slot.computeMs = Date.now() - started;
        return (slot.board = b);
      })
      .finally(() => (slot.refreshing = undefined));
    return slot.refreshing;
  };
  // A board stays fresh at least as long as it took to compute, so refreshes of a large contest never run
  // back to back and take at most about half of the database's time.
  const freshFor = Math.max(QUIZ.leaderboardTtlMs, slot.computeMs ?? 0);
  const age = slot.board ? app.clock.now().getTime() - slot.board.computedAt : Infinity;
  if (age <= freshFor) return slot.board!;
  if (age <= freshFor * 10) {
    refresh().catch((err) => app.logger.error({ err, event: 'quiz.leaderboard.refresh_failed' }, 'leaderboard refresh failed'));
    return slot.board!;
  }
  return refresh();
}

async function names(app: AppContext, b: Board, ids: string[]): Promise<void> {
  const missing = ids.filter((id) => !b.names.has(id));
  if (!missing.length) return;
  const rows = await residentsByIds(app, missing.map((id) => new Types.ObjectId(id)), ['nameEnc']);
  for (const id of missing) b.names.set(id, '居民');
  for (const r of rows) if (r.nameEnc) b.names.set(String(r._id), maskName(app.pii.open(r.nameEnc)));
}

export type Scope = 'village' | 'town' | 'district';

// Contest rules change rarely and only before publishing; a few seconds of caching spares each read a query.
const contests = new Map<string, { at: number; contest: Promise<ContestDoc | null> }>();
function cachedContest(app: AppContext, id: string): Promise<ContestDoc | null> {
  const key = `${app.db.name}:${id}`;
  const hit = contests.get(key);
  if (hit && Date.now() - hit.at < QUIZ.leaderboardTtlMs) return hit.contest;
  const contest = Contests(app.db).findById(id).lean().exec();
  contests.set(key, { at: Date.now(), contest });
  contest.catch(() => contests.delete(key));
  return contest;
}

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
