import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { cachePerDatabase } from '../../db/coordination';
import { AppError, notFound } from '../../http/errors';
import { residentById, residentsByIds } from '../residents';
import { cachedContest } from './contest-cache';
import { shownName } from './leaderboard-intake';
import { catchUp, keptBy, named, prepareBoard, ranked, slotOf, type Board, type ScopeView } from './leaderboard-fold';
import { foldQuizTallies } from './participation.service';
import { QuizBoardRevs, type ContestDoc } from './quiz.model';
import { QUIZ } from './quiz.rules';

/**
 * Reading the boards: a resident's view of a contest's board within their village, town or district, answered
 * from the board this process holds and checked against the kept revision behind the answer.
 */

let refreshing: Promise<unknown> | null = null;

/**
 * Worker task (every 10 s): fold what arrived since the last refresh into the boards of open contests — the
 * tally fold does it, under its lock, and keeps the open boards. Waits for a fold another process is running.
 */
export async function refreshLeaderboards(app: AppContext): Promise<number> {
  await foldQuizTallies(app, { wait: true });
  return keptBy(app).states.size;
}

const emptyBoard = (computedAt: number): Board => ({
  computedAt,
  entries: [],
  villages: [],
  position: new Map(),
  scopes: new Map(),
  names: new Map(),
  byScope: new Map(),
});

const REFRESH_EVERY_MS = 10_000;

async function board(app: AppContext, c: ContestDoc): Promise<Board> {
  const slot = slotOf(app, c);
  if (!slot.checking && (!slot.checkedAt || app.clock.now().getTime() - slot.checkedAt >= QUIZ.leaderboardTtlMs)) {
    slot.checking = (async () => {
      const rev = await QuizBoardRevs(app.db).findById(String(c._id)).lean();
      if (rev && rev.rev !== slot.rev) {
        // what this process lacks: the changes since the revision it holds, or the board document when it was rewritten
        const before = slot.held;
        const moved = new Set<string>();
        const held = await catchUp(app, String(c._id), rev, before, moved);
        if (held) {
          // the changes merged into the order this process holds; a board document read anew is sorted whole
          const entries = await ranked(held === before ? slot.board?.entries : undefined, held.best, moved);
          const next = named(await prepareBoard(entries, held.villages, rev.at.getTime()), (id) => held.names.get(id)?.name);
          Object.assign(slot, { held, rev: held.rev, board: next });
        } else slot.held = undefined; // partly caught up at most: read whole next time
      }
      if (rev) slot.foldedAt = Math.max(slot.foldedAt ?? 0, rev.at.getTime());
      slot.checkedAt = app.clock.now().getTime();
      // nobody folded lately, by the kept revision (no worker running): this process folds, behind the reads
      if (!slot.board || slot.checkedAt - (slot.foldedAt ?? 0) > 3 * REFRESH_EVERY_MS) {
        refreshing ??= foldQuizTallies(app)
          .catch((err) => app.logger.error({ err, event: 'quiz.leaderboard.refresh_failed' }, 'leaderboard refresh failed'))
          .finally(() => (refreshing = null));
      }
      return slot.board;
    })().finally(() => (slot.checking = undefined));
  }
  // a board in memory is answered at once; the kept one is checked behind it
  const b = slot.board ?? (await slot.checking);
  const out = b ?? emptyBoard(app.clock.now().getTime());
  return slot.foldedAt && slot.foldedAt > out.computedAt ? Object.assign(out, { computedAt: slot.foldedAt }) : out;
}

async function names(app: AppContext, b: Board, ids: string[]): Promise<void> {
  // the fold names everyone shown; a board kept by an earlier version may lack some
  const missing = ids.filter((id) => !b.names.has(id));
  if (!missing.length) return;
  const rows = await residentsByIds(
    app,
    missing.map((id) => new Types.ObjectId(id)),
    ['nameEnc'],
  );
  for (const id of missing) b.names.set(id, shownName(app, undefined));
  for (const r of rows) b.names.set(String(r._id), shownName(app, r.nameEnc));
}

export type Scope = 'village' | 'town' | 'district';

/**
 * Where a reader lives, for choosing the scope: kept a minute per process (a resident who moves village sees
 * the new scope within it), so reading the board while a rush refreshes it costs no database read at all.
 * A miss reads that one resident by `_id`: the shared resident loader turns a burst of misses into one `$in`
 * read by index.
 */
const AREA_MS = 60_000;
const areaCache = cachePerDatabase<{ villageCode?: string; areaPath: string[] }>(AREA_MS);
async function readerArea(app: AppContext, residentId: Types.ObjectId) {
  const cache = areaCache(app);
  const hit = cache.get(String(residentId));
  if (hit) return hit;
  const r = await residentById(app, residentId, ['villageCode', 'areaPath', 'erasedAt']);
  if (!r || r.erasedAt) throw new AppError('UNAUTHORIZED', 401, '请先登录');
  const area = { villageCode: r.villageCode, areaPath: r.areaPath };
  cache.set(String(residentId), area);
  return area;
}

/** The reader's rank and score in a scope, or null when they have no result there. */
function rankIn(b: Board, v: ScopeView, residentId: string): { rank: number; score: number } | null {
  const i = b.position.get(residentId);
  if (i === undefined) return null;
  let [lo, hi] = [0, v.at.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v.at[mid]! < i) lo = mid + 1;
    else hi = mid;
  }
  return v.at[lo] === i ? { rank: lo + 1, score: b.entries[i]!.score } : null;
}

async function scopeView(app: AppContext, b: Board, scopeCode: string | undefined): Promise<ScopeView> {
  const key = scopeCode ?? '';
  const hit = b.byScope.get(key);
  if (hit) return hit;
  const at = (scopeCode && b.scopes.get(scopeCode)) || [];
  const top = at.slice(0, QUIZ.leaderboardSize).map((i) => b.entries[i]!);
  await names(
    app,
    b,
    top.map((e) => e.residentId),
  );
  const view: ScopeView = {
    participants: at.length,
    at,
    top: top.map((e, i) => ({
      rank: i + 1,
      name: b.names.get(e.residentId) ?? shownName(app, undefined),
      villageCode: e.villageCode,
      score: e.score,
      durationSec: Math.round(e.durationMs / 1000),
      me: false,
    })),
    villages: b.villages
      .filter((v) => (scopeCode ? v.path.includes(scopeCode) : false))
      .map((v, i) => ({
        rank: i + 1,
        code: v.code,
        name: v.name,
        participants: v.participants,
        registered: v.registered,
        participation: v.participation,
        avgScore: v.avgScore,
      })),
  };
  b.byScope.set(key, view);
  return view;
}

/** The resident's view: top residents within their village / town / district, their own rank, villages ranked. */
export async function leaderboardForResident(app: AppContext, residentId: Types.ObjectId, contestId: string, scope: Scope) {
  const r = await readerArea(app, residentId);
  const c = Types.ObjectId.isValid(contestId) ? await cachedContest(app, contestId) : null;
  if (!c || c.status === 'draft' || !r.areaPath.includes(c.areaCode)) throw notFound('竞赛');
  const scopeCode = scope === 'village' ? r.villageCode : r.areaPath[scope === 'town' ? 1 : 0];
  const b = await board(app, c);
  const v = await scopeView(app, b, scopeCode);
  const mine = rankIn(b, v, String(residentId));
  // a scope's rank is the position in its list: a reader in the top list is row rank - 1
  const row = mine && mine.rank <= v.top.length ? mine.rank - 1 : -1;
  return {
    scope,
    computedAt: new Date(b.computedAt).toISOString(),
    participants: v.participants,
    entries: row < 0 ? v.top : v.top.map((e, i) => (i === row ? { ...e, me: true } : e)),
    me: mine,
    villages: v.villages,
  };
}
