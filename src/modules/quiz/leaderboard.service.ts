import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { LRUCache } from 'lru-cache';
import type { AppContext } from '../../context';
import { insertManyKeyed, isDuplicateKey } from '../../db/model';
import { notFound } from '../../http/errors';
import { maskName } from '../../lib/pii';
import { villagesUnder } from '../areas';
import { getResident, registeredByVillage, residentById } from '../residents';
import { cachedContest } from './contests.service';
import { participationOf } from './participation.service';
import {
  Contests, Participations, QuizBests, QuizBoardRevs, QuizBoards, QuizFresh, QuizJobs,
  type BoardDoc, type ContestDoc, type FreshDoc, type ParticipationDoc, type SubmissionDoc,
} from './quiz.model';
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
type Best = Omit<Entry, 'areaPath'>;

const better = (a: Best, b: Best) => b.score - a.score || a.durationMs - b.durationMs || a.at - b.at;

// ---- at submit: what the worker will fold ----

/** Per process: the best score a resident has sent to the fold, and the participations already sent. */
const knownBest = new LRUCache<string, { score: number }>({ max: 50_000 });
const sentParticipation = new LRUCache<string, true>({ max: 50_000 });

/**
 * The result to fold for a submission, or null when it changes nothing this process does not know already: a
 * contest result counts on the board when it is not too fast (or staff cleared it) and beats the resident's best
 * score as far as this process has seen; the daily quiz and contests count the resident's participation.
 */
function freshOf(app: AppContext, sub: SubmissionDoc): { doc: FreshDoc; done: () => void } | null {
  const p = participationOf(sub);
  const pKey = p && `${app.db.name}:${p._id}`;
  const needP = !!pKey && !sentParticipation.has(pKey);
  const who = sub.contestId ? `${app.db.name}:${String(sub.contestId)}:${String(sub.residentId)}` : '';
  const board = !!sub.contestId && (!sub.tooFast || !!sub.flagCleared) && (knownBest.get(who)?.score ?? -1) < sub.score;
  if (!needP && !board) return null;
  const doc: FreshDoc = {
    _id: `s:${String(sub._id)}`, residentId: sub.residentId, at: sub.submittedAt,
    ...(sub.contestId ? { contestId: sub.contestId, villageCode: sub.villageCode ?? '', score: sub.score, durationMs: sub.durationMs } : {}),
    ...(board ? { board: true } : {}), ...(needP ? { participation: p! } : {}),
  };
  return {
    doc,
    done: () => {
      if (pKey) sentParticipation.set(pKey, true);
      if (board) knownBest.set(who, { score: sub.score });
    },
  };
}

/** After a submission: at most one insert, into the small collection the worker drains. */
export async function noteResult(app: AppContext, sub: SubmissionDoc): Promise<void> {
  const f = freshOf(app, sub);
  if (!f) return;
  try {
    await QuizFresh(app.db).collection.insertOne(f.doc as never);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // noted already
  }
  f.done();
}

/** Staff cleared a too-fast contest submission: it now counts on the board. */
export async function noteCleared(app: AppContext, sub: SubmissionDoc): Promise<void> {
  if (!sub.contestId) return;
  const doc: FreshDoc = { _id: `c:${String(sub._id)}`, residentId: sub.residentId, at: sub.submittedAt, contestId: sub.contestId, board: true, villageCode: sub.villageCode ?? '', score: sub.score, durationMs: sub.durationMs };
  await QuizFresh(app.db).collection.insertOne(doc as never).catch((err: unknown) => {
    if (!isDuplicateKey(err)) throw err;
  });
}

/** "Erase me": the resident leaves the boards of these contests at the next fold. */
export async function noteErased(app: AppContext, residentId: Types.ObjectId, contestIds: Types.ObjectId[]): Promise<void> {
  for (const c of contestIds) knownBest.delete(`${app.db.name}:${String(c)}:${String(residentId)}`);
  const docs: FreshDoc[] = contestIds.map((contestId) => ({ _id: `e:${String(residentId)}:${String(contestId)}:${String(new Types.ObjectId())}`, residentId, at: app.clock.now(), contestId, erase: true }));
  if (docs.length) await QuizFresh(app.db).collection.insertMany(docs as never[], { ordered: false });
}

// ---- the fold (worker task) ----

/**
 * A contest's board as the folding process holds it: every resident's best, and the revision it last wrote.
 * Kept across folds, so a refresh costs what arrived since the last one; re-read only when another process
 * folded in between (the revision differs).
 */
interface State {
  contest: ContestDoc;
  rev: number;
  best: Map<string, Best>;
  villages: Village[];
  entries?: Best[];
}
const states = new Map<string, State>();
const stateKey = (app: AppContext, contestId: unknown) => `${app.db.name}:${String(contestId)}`;

const LOCK_ID = 'lock:quiz.fold';
const LOCK_MS = 60_000;
/** A fold reads at most this many fresh results; the rest wait for the next one. */
const FOLD_MAX = 100_000;
/** Registered residents per village change slowly: counted at most this often per area. */
const REGISTERED_EVERY_MS = 60_000;
const DELETE_CHUNK = 1_000;

/** One folder at a time across processes: an insert under a fixed `_id`, taken over once its lease ran out. */
async function takeLock(app: AppContext): Promise<string | null> {
  const jobs = QuizJobs(app.db).collection;
  const holder = crypto.randomUUID();
  const insert = async () => {
    try {
      await jobs.insertOne({ _id: LOCK_ID, holder, at: new Date(Date.now() + LOCK_MS), count: 0 } as never);
      return holder;
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  };
  if (await insert()) return holder;
  const current = (await jobs.findOne({ _id: LOCK_ID } as never)) as { holder: string; at: Date } | null;
  if (current && current.at.getTime() >= Date.now()) return null;
  if (current) await jobs.deleteOne({ _id: LOCK_ID, holder: current.holder } as never);
  return insert();
}

const registered = new Map<string, { at: number; villages: Promise<Array<Omit<Village, 'participants' | 'participation' | 'avgScore'>>> }>();
function registeredVillages(app: AppContext, areaCode: string) {
  const key = `${app.db.name}:${areaCode}`;
  const hit = registered.get(key);
  if (hit && Date.now() - hit.at < REGISTERED_EVERY_MS) return hit.villages;
  const villages = Promise.all([villagesUnder(app, areaCode), registeredByVillage(app, areaCode)]).then(([areas, regBy]) =>
    areas.map((a) => ({ code: a.code, name: a.name, path: a.path, registered: regBy.get(a.code) ?? 0 })));
  registered.set(key, { at: Date.now(), villages });
  villages.catch(() => registered.delete(key));
  return villages;
}

async function villagesOf(app: AppContext, c: ContestDoc, entries: Best[]): Promise<Village[]> {
  const scoreBy = new Map<string, { n: number; sum: number }>();
  for (const e of entries) {
    const v = scoreBy.get(e.villageCode) ?? { n: 0, sum: 0 };
    v.n++;
    v.sum += e.score;
    scoreBy.set(e.villageCode, v);
  }
  return (await registeredVillages(app, c.areaCode))
    .map((a) => {
      const s = scoreBy.get(a.code) ?? { n: 0, sum: 0 };
      return {
        code: a.code, name: a.name, path: a.path, participants: s.n, registered: a.registered,
        participation: a.registered ? Math.round((s.n / a.registered) * 1000) / 1000 : 0,
        avgScore: s.n ? Math.round((s.sum / s.n) * 10) / 10 : 0,
      };
    })
    .sort((a, b) => b.participation - a.participation || b.avgScore - a.avgScore || a.code.localeCompare(b.code));
}

const fold1 = (best: Map<string, Best>, e: Best): boolean => {
  const prev = best.get(e.residentId);
  if (prev && better(e, prev) >= 0) return false;
  best.set(e.residentId, e);
  return true;
};

/** The board as kept, or as this process holds it when nobody wrote since; a contest never folded starts empty. */
async function loadState(app: AppContext, c: ContestDoc): Promise<State> {
  const key = stateKey(app, c._id);
  const rev = await QuizBoardRevs(app.db).findById(String(c._id)).lean();
  const mem = states.get(key);
  if (mem && rev && rev.rev === mem.rev) return Object.assign(mem, { contest: c });
  const doc = await QuizBoards(app.db).findById(String(c._id)).lean<BoardDoc>();
  const best = new Map<string, Best>();
  if (doc) {
    const e = doc.entries;
    e.resident.forEach((residentId, i) => best.set(residentId, { residentId, villageCode: e.village[i]!, score: e.score[i]!, durationMs: e.durationMs[i]!, at: e.at[i]! }));
  } else {
    // Best-result records kept at submit by earlier versions: a board never folded before starts from them.
    const rows = await QuizBests(app.db).collection.find({ contestId: c._id } as never, { projection: { residentId: 1, villageCode: 1, score: 1, durationMs: 1, at: 1 } }).toArray();
    for (const r of rows) fold1(best, { residentId: String(r.residentId), villageCode: (r.villageCode as string) ?? '', score: r.score as number, durationMs: r.durationMs as number, at: (r.at as Date).getTime() });
  }
  const state: State = { contest: c, rev: rev?.rev ?? 0, best, villages: doc?.villages ?? [] };
  states.set(key, state);
  return state;
}

function docOf(s: State, computedAt: Date): BoardDoc {
  const e = (s.entries ??= [...s.best.values()].sort(better));
  return {
    _id: String(s.contest._id), computedAt, villages: s.villages,
    entries: { resident: e.map((x) => x.residentId), village: e.map((x) => x.villageCode), score: e.map((x) => x.score), durationMs: e.map((x) => x.durationMs), at: e.map((x) => x.at) },
  };
}

/** Write the board when it changed (or its villages did); the revision document on every fold. */
async function writeState(app: AppContext, s: State, computedAt: Date, changed: boolean): Promise<boolean> {
  const id = String(s.contest._id);
  if (changed || !s.entries) s.entries = [...s.best.values()].sort(better);
  const villages = await villagesOf(app, s.contest, s.entries);
  const write = changed || s.rev === 0 || JSON.stringify(villages) !== JSON.stringify(s.villages);
  if (write) {
    s.villages = villages;
    await QuizBoards(app.db).collection.replaceOne({ _id: id } as never, docOf(s, computedAt), { upsert: true });
    s.rev = Date.now() * 1000 + crypto.randomInt(1000);
  }
  // the revision document is small: readers check it, and read the board itself only when it changed
  await QuizBoardRevs(app.db).collection.replaceOne({ _id: id } as never, { _id: id, rev: s.rev, at: computedAt }, { upsert: true });
  return write;
}

async function foldContests(app: AppContext, fresh: FreshDoc[]): Promise<void> {
  const now = app.clock.now();
  const open = await Contests(app.db).find({ status: { $in: ['published', 'closed'] }, startAt: { $lte: now }, endAt: { $gte: new Date(now.getTime() - 24 * 3600_000) } }).lean();
  const byContest = new Map<string, FreshDoc[]>();
  for (const f of fresh) {
    if (!f.contestId || !(f.board || f.erase)) continue;
    const k = String(f.contestId);
    byContest.set(k, [...(byContest.get(k) ?? []), f]);
  }
  const contests = new Map(open.map((c) => [String(c._id), c]));
  const others = [...byContest.keys()].filter((k) => !contests.has(k));
  if (others.length) for (const c of await Contests(app.db).find({ _id: { $in: others } }).lean()) contests.set(String(c._id), c);
  for (const c of contests.values()) {
    const s = await loadState(app, c);
    let changed = false;
    const mine = byContest.get(String(c._id)) ?? [];
    for (const f of mine) if (!f.erase) changed = fold1(s.best, { residentId: String(f.residentId), villageCode: f.villageCode ?? '', score: f.score!, durationMs: f.durationMs!, at: f.at.getTime() }) || changed;
    for (const f of mine) if (f.erase) changed = s.best.delete(String(f.residentId)) || changed; // erasures last
    const written = await writeState(app, s, now, changed);
    const slot = slotOf(app, c);
    if (written || !slot.board || slot.rev !== s.rev) slot.board = boardOf(docOf(s, now), slot.board?.names);
    slot.rev = s.rev;
    slot.foldedAt = now.getTime();
    slot.checkedAt = Date.now();
  }
}

/**
 * Fold every fresh result: participations are inserted (a duplicate means counted already), each contest's
 * board takes the better results and is written once, and only then are exactly the folded results deleted.
 * A fold that stops half-way leaves them to the next one, which folds them again to the same boards (a best is
 * a maximum) and the same participations (keyed): nothing is counted twice or lost.
 */
async function foldOnce(app: AppContext): Promise<number> {
  const fresh = (await QuizFresh(app.db).collection.find({}).limit(FOLD_MAX).toArray()) as unknown as FreshDoc[];
  const parts = new Map<string, ParticipationDoc>();
  for (const f of fresh) if (f.participation) parts.set(f.participation._id, f.participation);
  const ps = [...parts.values()];
  for (let i = 0; i < ps.length; i += 2_000) await insertManyKeyed(Participations(app.db).collection, ps.slice(i, i + 2_000));
  await foldContests(app, fresh);
  const ids = fresh.map((f) => f._id);
  for (let i = 0; i < ids.length; i += DELETE_CHUNK) await QuizFresh(app.db).collection.deleteMany({ _id: { $in: ids.slice(i, i + DELETE_CHUNK) } } as never);
  return fresh.length;
}

const folding = new WeakMap<object, Promise<number>>();

/** Fold under the lock; if another process holds it, wait for it (up to `waitMs`) and fold after it. */
function fold(app: AppContext, waitMs: number): Promise<number> {
  const prev = folding.get(app.db) ?? Promise.resolve(0);
  const run = prev.catch(() => 0).then(async () => {
    const until = Date.now() + waitMs;
    for (;;) {
      const holder = await takeLock(app);
      if (holder) {
        try {
          return await foldOnce(app);
        } finally {
          await QuizJobs(app.db).collection.deleteOne({ _id: LOCK_ID, holder } as never);
        }
      }
      if (Date.now() >= until) return 0;
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  folding.set(app.db, run);
  run.finally(() => folding.get(app.db) === run && folding.delete(app.db)).catch(() => undefined);
  return run;
}

/** Worker task (every 10 s): fold what arrived since the last refresh into the boards of open contests. */
export async function refreshLeaderboards(app: AppContext): Promise<number> {
  await fold(app, 30_000);
  return [...states.keys()].filter((k) => k.startsWith(`${app.db.name}:`)).length;
}

/** Participations not folded yet are inserted now (the yearly figures count them). */
export async function foldParticipations(app: AppContext): Promise<void> {
  const fresh = (await QuizFresh(app.db).collection.find({ participation: { $exists: true } } as never).limit(FOLD_MAX).toArray()) as unknown as FreshDoc[];
  const ps = fresh.map((f) => f.participation!);
  for (let i = 0; i < ps.length; i += 2_000) await insertManyKeyed(Participations(app.db).collection, ps.slice(i, i + 2_000));
}

// ---- reading ----

function boardOf(doc: BoardDoc, names = new Map<string, string>()): Board {
  const pathOf = new Map(doc.villages.map((v) => [v.code, v.path]));
  const e = doc.entries;
  const entries = e.resident.map((residentId, i) => ({ residentId, villageCode: e.village[i]!, areaPath: pathOf.get(e.village[i]!) ?? [], score: e.score[i]!, durationMs: e.durationMs[i]!, at: e.at[i]! }));
  return { computedAt: doc.computedAt.getTime(), entries, villages: doc.villages, byScope: new Map(), names };
}

/**
 * Boards in this process. Every TTL a read checks the small revision document behind the answer and reads the
 * board itself only when it changed; a read never waits for a fold. A board nobody folded yet is empty until
 * then, and one that is missing or long stale (no worker running) gets a fold started behind the read.
 */
const boards = new Map<string, { board?: Board; rev?: number; foldedAt?: number; checkedAt?: number; checking?: Promise<Board | undefined> }>();
const slotOf = (app: AppContext, c: Pick<ContestDoc, '_id'>) => {
  const key = stateKey(app, c._id);
  let slot = boards.get(key);
  if (!slot) boards.set(key, (slot = {}));
  return slot;
};

const REFRESH_EVERY_MS = 10_000;

async function board(app: AppContext, c: ContestDoc): Promise<Board> {
  const slot = slotOf(app, c);
  if (!slot.checking && (!slot.checkedAt || Date.now() - slot.checkedAt >= QUIZ.leaderboardTtlMs)) {
    slot.checking = (async () => {
      const rev = await QuizBoardRevs(app.db).findById(String(c._id)).lean();
      if (rev && rev.rev !== slot.rev) {
        const doc = await QuizBoards(app.db).findById(String(c._id)).lean<BoardDoc>();
        if (doc) slot.board = boardOf(doc, slot.board?.names);
        slot.rev = rev.rev;
      }
      if (rev) slot.foldedAt = Math.max(slot.foldedAt ?? 0, rev.at.getTime());
      slot.checkedAt = Date.now();
      return slot.board;
    })().finally(() => (slot.checking = undefined));
  }
  // a board in memory is answered at once; the kept one is checked behind it
  const b = slot.board ?? (await slot.checking);
  if (!b || app.clock.now().getTime() - (slot.foldedAt ?? 0) > 3 * REFRESH_EVERY_MS) {
    if (!folding.get(app.db)) fold(app, 0).catch((err) => app.logger.error({ err, event: 'quiz.leaderboard.refresh_failed' }, 'leaderboard refresh failed'));
  }
  const out = b ?? { computedAt: app.clock.now().getTime(), entries: [], villages: [], byScope: new Map(), names: new Map() };
  return slot.foldedAt && slot.foldedAt > out.computedAt ? Object.assign(out, { computedAt: slot.foldedAt }) : out;
}

async function names(app: AppContext, b: Board, ids: string[]): Promise<void> {
  const missing = ids.filter((id) => !b.names.has(id));
  if (!missing.length) return;
  // by `_id` one at a time: each is an index lookup on every server
  const rows = await Promise.all(missing.map((id) => residentById(app, new Types.ObjectId(id), ['nameEnc'])));
  missing.forEach((id, i) => {
    const r = rows[i];
    b.names.set(id, r?.nameEnc ? maskName(app.pii.open(r.nameEnc)) : '居民');
  });
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

export { participationOf };
