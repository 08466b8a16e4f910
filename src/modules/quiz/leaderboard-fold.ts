import crypto from 'node:crypto';
import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { cachePerDatabase, collectionOf, perConnection } from '../../db/coordination';
import { villagesUnder } from '../areas';
import { registeredByVillage, residentById, residentsByIds } from '../residents';
import type { TallyDoc } from './figures.model';
import { shownName } from './leaderboard-intake';
import {
  Attempts,
  Contests,
  QuizBests,
  QuizBoardChanges,
  QuizBoardRevs,
  QuizBoards,
  QuizFresh,
  type BoardChangeDoc,
  type BoardDoc,
  type BoardRevDoc,
  type ContestDoc,
  type FreshDoc,
} from './quiz.model';
import { QUIZ } from './quiz.rules';

/**
 * Folding results into the contests' boards (the worker's side, called by the tally fold under its lock):
 * each board's state as this process holds it, how it is caught up from and written to the database, and the
 * boards this process hands to its readers (leaderboard-reads.ts).
 */

/** A resident's best result in a contest (`at`: when it was submitted, ms): an entry of a board. */
export interface Best {
  residentId: string;
  villageCode: string;
  score: number;
  durationMs: number;
  at: number;
}
export type Village = BoardDoc['villages'][number];
/**
 * A board as readers get it: built whole (`prepareBoard`) before it replaces the one they read, so a read
 * never builds an index; nothing in it changes once built.
 */
export interface Board {
  computedAt: number;
  /** Every best, in rank order (shared with the fold that ranked them: never changed in place). */
  entries: Best[];
  villages: Village[];
  /** Resident → position in `entries`. */
  position: Map<string, number>;
  /** Per scope code (each village, town and the district): the positions in `entries` of its residents, ascending. */
  scopes: Map<string, number[]>;
  /** The masked names of everyone in some scope's top list. */
  names: Map<string, string>;
  /** Per scope code, what every reader of that scope gets alike; made on the first read of the scope. */
  byScope: Map<string, ScopeView>;
}
/** A masked name and when it was read (ms): a newer one wins, whatever order the fold meets them in. */
export interface Named {
  name: string;
  at: number;
}
export interface ScopeView {
  participants: number;
  /** Positions in the board's entries of this scope's entries, ascending: a reader's rank is found by bisection. */
  at: number[];
  /** The top list as answered, shared by every reader (the reader's own row is copied with `me` set). */
  top: Array<{ rank: number; name: string; villageCode: string; score: number; durationSec: number; me: boolean }>;
  villages: Array<{ rank: number; code: string; name: string; participants: number; registered: number; participation: number; avgScore: number }>;
}

export const better = (a: Best, b: Best) => b.score - a.score || a.durationMs - b.durationMs || a.at - b.at;

/** Renames apply to every contest the resident started: one event per such contest. */
async function perContest(app: AppContext, events: FreshDoc[]): Promise<FreshDoc[]> {
  const renames = events.filter((e) => !e.contestId);
  if (!renames.length) return events;
  const started = await Attempts(app.db)
    .find({ residentId: { $in: [...new Set(renames.map((e) => String(e.residentId)))] }, contestId: { $exists: true } }, { residentId: 1, contestId: 1 })
    .lean();
  const contestsOf = new Map<string, Set<string>>();
  for (const a of started) contestsOf.set(String(a.residentId), (contestsOf.get(String(a.residentId)) ?? new Set()).add(String(a.contestId)));
  const each = renames.flatMap((e) => [...(contestsOf.get(String(e.residentId)) ?? [])].map((c) => ({ ...e, contestId: new Types.ObjectId(c) })));
  return [...events.filter((e) => e.contestId), ...each];
}

/**
 * A board as a process holds it, at revision `rev`: every resident's best and the masked names known, read as
 * the board document of revision `base` with the changes `changes` on top (`pending` entries in them).
 */
export interface Held {
  rev: number;
  base: number | null;
  changes: number[];
  pending: number;
  best: Map<string, Best>;
  names: Map<string, Named>;
  villages: Village[];
}

/**
 * A contest's board as the folding process holds it: kept across folds, so a refresh costs what arrived since
 * the last one; caught up from the database only when another process folded in between (the revision differs).
 */
interface State extends Held {
  contest: ContestDoc;
  entries?: Best[];
  shown?: string[];
  /** Residents whose best or name changed since the last write, and whether someone left the board. */
  dirty: Set<string>;
  erased: boolean;
}
/**
 * What this process holds of the boards, per database connection (one per process; a test's second
 * connection to the same database stands for a second process): the folding state and the readers' boards.
 */
interface Kept {
  states: Map<string, State>;
  boards: Map<string, Slot>;
}
export const keptBy = perConnection<Kept>(() => ({ states: new Map(), boards: new Map() }));

/** Forget every board this process holds, as a restarted process would (benchmarks measure the cold path). */
export function forgetBoards(app: AppContext): void {
  keptBy.forget(app);
}

/** Registered residents per village change slowly: counted at most this often per area. */
const REGISTERED_EVERY_MS = 60_000;
const DELETE_CHUNK = 500;

const registered = cachePerDatabase<{ villages: Promise<Array<Omit<Village, 'participants' | 'participation' | 'avgScore'>>> }>(REGISTERED_EVERY_MS, 1_000);
function registeredVillages(app: AppContext, areaCode: string) {
  const cache = registered(app);
  const hit = cache.get(areaCode);
  if (hit) return hit.villages;
  const villages = Promise.all([villagesUnder(app, areaCode), registeredByVillage(app, areaCode)]).then(([areas, regBy]) =>
    areas.map((a) => ({ code: a.code, name: a.name, path: a.path, registered: regBy.get(a.code) ?? 0 })),
  );
  cache.set(areaCode, { villages });
  villages.catch(() => cache.delete(areaCode));
  return villages;
}

async function villagesOf(app: AppContext, c: ContestDoc, entries: Best[]): Promise<Village[]> {
  const scoreBy = new Map<string, { n: number; sum: number }>();
  for (let i = 0; i < entries.length; i++) {
    if (i % SLICE === SLICE - 1) await breathe();
    const e = entries[i]!;
    const v = scoreBy.get(e.villageCode) ?? { n: 0, sum: 0 };
    v.n++;
    v.sum += e.score;
    scoreBy.set(e.villageCode, v);
  }
  return (await registeredVillages(app, c.areaCode))
    .map((a) => {
      const s = scoreBy.get(a.code) ?? { n: 0, sum: 0 };
      return {
        code: a.code,
        name: a.name,
        path: a.path,
        participants: s.n,
        registered: a.registered,
        participation: a.registered ? Math.round((s.n / a.registered) * 1000) / 1000 : 0,
        avgScore: s.n ? Math.round((s.sum / s.n) * 10) / 10 : 0,
      };
    })
    .sort((a, b) => b.participation - a.participation || b.avgScore - a.avgScore || a.code.localeCompare(b.code));
}

/** A newer name replaces an older one; the board changes when a resident on it shows another name. */
const rename = (s: State, residentId: string, n: Named): boolean => {
  const prev = s.names.get(residentId);
  if (prev && prev.at > n.at) return false;
  s.names.set(residentId, n);
  return prev?.name !== n.name && s.best.has(residentId);
};

const fold1 = (best: Map<string, Best>, e: Best): boolean => {
  const prev = best.get(e.residentId);
  if (prev && better(e, prev) >= 0) return false;
  best.set(e.residentId, e);
  return true;
};

const entriesOf = (e: BoardDoc['entries']): Best[] =>
  e.resident.map((residentId, i) => ({ residentId, villageCode: e.village[i]!, score: e.score[i]!, durationMs: e.durationMs[i]!, at: e.at[i]! }));
const arraysOf = (e: Best[]): BoardDoc['entries'] => ({
  resident: e.map((x) => x.residentId),
  village: e.map((x) => x.villageCode),
  score: e.map((x) => x.score),
  durationMs: e.map((x) => x.durationMs),
  at: e.map((x) => x.at),
});
const namesOf = (s: Held, ids: string[]) => {
  const named = ids.filter((id) => s.names.has(id));
  return { resident: named, name: named.map((id) => s.names.get(id)!.name), at: named.map((id) => s.names.get(id)!.at) };
};

/**
 * Bring `held` (mutated) to the revision `rev` names, reading only what it lacks: the board document when the
 * base moved (or nothing is held), then the changes not applied yet, each by `_id`. A board document newer
 * than `rev` (rewritten since it was read) already holds every change before it. Null when there is no board
 * document or a change is gone (a rewrite came in between): read again from scratch or later. `moved` gets
 * the residents whose best the changes replaced (all that changed when the result is `held` itself).
 */
export async function catchUp(app: AppContext, contestId: string, rev: BoardRevDoc, held?: Held, moved?: Set<string>): Promise<Held | null> {
  const base = rev.base ?? null;
  const changes = rev.changes ?? [];
  let h = held && held.base === base && held.changes.every((r, i) => changes[i] === r) ? held : undefined;
  if (!h) {
    const doc = await QuizBoards(app.db).findById(contestId).lean<BoardDoc>();
    if (!doc) return null;
    const n = doc.names;
    h = {
      rev: doc.rev ?? rev.rev,
      base: doc.rev ?? null,
      changes: [],
      pending: 0,
      villages: doc.villages,
      best: new Map(entriesOf(doc.entries).map((b) => [b.residentId, b])),
      names: new Map((n?.resident ?? []).map((id, i) => [id, { name: n!.name[i]!, at: n!.at?.[i] ?? 0 }])),
    };
    if (h.base !== base) return h;
  }
  for (const r of changes.slice(h.changes.length)) {
    const c = await QuizBoardChanges(app.db).findById(`${contestId}:${r}`).lean();
    if (!c) return null;
    for (const b of entriesOf(c.entries)) {
      h.best.set(b.residentId, b);
      moved?.add(b.residentId);
    }
    c.names.resident.forEach((id, i) => h.names.set(id, { name: c.names.name[i]!, at: c.names.at[i]! }));
    h.villages = c.villages;
    h.changes.push(r);
    h.pending += c.entries.resident.length;
  }
  h.rev = rev.rev;
  return h;
}

/** The board as stored (its document and the changes on top), ranked with its names: what a process holding nothing reads. */
export async function keptBoard(app: AppContext, contestId: string): Promise<{ entries: Best[]; names: Map<string, string> } | null> {
  const rev = await QuizBoardRevs(app.db).findById(contestId).lean();
  const h = rev && (await catchUp(app, contestId, rev));
  return h && { entries: [...h.best.values()].sort(better), names: new Map([...h.names].map(([id, n]) => [id, n.name])) };
}

/** The board as kept, or as this process holds it when nobody wrote since; a contest never folded starts empty. */
async function loadState(app: AppContext, c: ContestDoc): Promise<State> {
  const { states } = keptBy(app);
  const id = String(c._id);
  const rev = await QuizBoardRevs(app.db).findById(id).lean();
  const mem = states.get(id);
  if (mem && rev && rev.rev === mem.rev) return Object.assign(mem, { contest: c });
  let held = rev ? ((mem && (await catchUp(app, id, rev, mem))) ?? (await catchUp(app, id, rev))) : null;
  if (!held) {
    held = { rev: 0, base: null, changes: [], pending: 0, best: new Map(), names: new Map(), villages: [] };
    // Best-result records kept at submit by earlier versions: a board never folded before starts from them.
    const rows = await collectionOf(QuizBests(app.db))
      .find({ contestId: c._id }, { projection: { residentId: 1, villageCode: 1, score: 1, durationMs: 1, at: 1 } })
      .toArray();
    for (const r of rows)
      fold1(held.best, {
        residentId: String(r.residentId),
        villageCode: (r.villageCode as string) ?? '',
        score: r.score as number,
        durationMs: r.durationMs as number,
        at: (r.at as Date).getTime(),
      });
  }
  const { rev: r, base, changes, pending, best, names, villages } = held;
  const state: State = { rev: r, base, changes, pending, best, names, villages, contest: c, dirty: new Set(), erased: false };
  states.set(id, state);
  return state;
}

function docOf(s: State, computedAt: Date, rev: number): BoardDoc {
  return { _id: String(s.contest._id), rev, computedAt, villages: s.villages, entries: arraysOf(s.entries!), names: namesOf(s, s.shown ?? []) };
}

/**
 * Name everyone `shown` (in the top list of some scope: each village, town and the district). Their names came
 * with their results; only a result without one (an earlier version's record, a cleared flag) or a resident
 * moved up by an erasure and not named since this process holds the board is looked up, once.
 */
async function nameShown(app: AppContext, s: State, shown: string[]): Promise<void> {
  const missing = shown.filter((id) => !s.names.has(id));
  for (let i = 0; i < missing.length; i += 1_000) {
    const part = missing.slice(i, i + 1_000);
    // a few (a refresh's newcomers) by `_id` each, an index lookup on every server; many in one `$in` read
    const rows =
      part.length <= 32
        ? (await Promise.all(part.map((id) => residentById(app, new Types.ObjectId(id), ['nameEnc'])))).filter((r) => r !== null)
        : await residentsByIds(
            app,
            part.map((id) => new Types.ObjectId(id)),
            ['nameEnc'],
          );
    const found = new Map(rows.map((r) => [String(r._id), shownName(app, r.nameEnc)]));
    for (const id of part) {
      s.names.set(id, { name: found.get(id) ?? shownName(app, undefined), at: app.clock.now().getTime() });
      s.dirty.add(id); // written with the next change
    }
  }
  s.shown = shown;
}

/**
 * Long loops over a board (twenty thousand residents) give way to waiting requests every SLICE items, so a
 * refresh in a process that also answers reads holds its event loop for about a millisecond at a time.
 */
const SLICE = 2_000;
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The bests in rank order. A refresh moves a few hundred of twenty thousand: those (`moved`) are sorted and
 * merged into the last order `prev` (linear), so no process that answers reads is held up by a full sort;
 * a resident no longer in `best` leaves.
 */
export async function ranked(prev: Best[] | undefined, best: Map<string, Best>, moved: Set<string>): Promise<Best[]> {
  if (!prev) return [...best.values()].sort(better);
  const up = [...moved].flatMap((id) => best.get(id) ?? []).sort(better);
  const out: Best[] = [];
  let i = 0;
  for (let k = 0; k < prev.length; k++) {
    if (k % SLICE === SLICE - 1) await breathe();
    const e = prev[k]!;
    if (moved.has(e.residentId) || !best.has(e.residentId)) continue;
    while (i < up.length && better(up[i]!, e) < 0) out.push(up[i++]!);
    out.push(e);
  }
  return out.concat(up.slice(i));
}

/** Changes kept beside a board document before it is rewritten whole (each is read by `_id` on a catch-up). */
const MAX_CHANGES = 20;

/**
 * Write what changed when the board did (or its villages did): as a small change document, or the whole board
 * when first written, after an erasure (no stored change may keep the name) or once the changes add up to a
 * quarter of it. The revision document on every fold, naming what a reader has to read. Returns the board
 * for readers when one was written, else null.
 */
async function writeState(app: AppContext, s: State, computedAt: Date, changed: boolean): Promise<Board | null> {
  const id = String(s.contest._id);
  if (changed || !s.entries) s.entries = await ranked(s.entries, s.best, s.dirty);
  const villages = await villagesOf(app, s.contest, s.entries);
  const write = changed || s.rev === 0 || JSON.stringify(villages) !== JSON.stringify(s.villages);
  let rewritten = false;
  let board: Board | null = null;
  if (write) {
    s.villages = villages;
    board = await prepareBoard(s.entries, villages, computedAt.getTime());
    await nameShown(app, s, shownOf(board));
    named(board, (r) => s.names.get(r)?.name);
    const rev = Date.now() * 1000 + crypto.randomInt(1000);
    if (s.rev === 0 || s.erased || s.changes.length >= MAX_CHANGES || s.pending + s.dirty.size > Math.max(1_000, s.best.size / 4)) {
      await collectionOf(QuizBoards(app.db)).replaceOne({ _id: id }, docOf(s, computedAt, rev), { upsert: true });
      rewritten = true;
      Object.assign(s, { base: rev, changes: [], pending: 0 });
    } else {
      const e = [...s.dirty].flatMap((r) => s.best.get(r) ?? []);
      const doc: BoardChangeDoc = {
        _id: `${id}:${rev}`,
        entries: arraysOf(e),
        names: namesOf(
          s,
          e.map((x) => x.residentId),
        ),
        villages: s.villages,
      };
      await collectionOf(QuizBoardChanges(app.db)).insertOne(doc);
      Object.assign(s, { changes: [...s.changes, rev], pending: s.pending + e.length });
    }
    Object.assign(s, { rev, erased: false });
    s.dirty.clear();
  }
  await collectionOf(QuizBoardRevs(app.db)).replaceOne({ _id: id }, { rev: s.rev, at: computedAt, base: s.base, changes: s.changes }, { upsert: true });
  // once no revision names them, every change of the board goes (also one a failed write left unnamed)
  if (rewritten) await collectionOf(QuizBoardChanges(app.db)).deleteMany({ _id: { $regex: `^${id}:` } });
  return board;
}

type BoardTally = Pick<TallyDoc, 'residentId' | 'contestId' | 'board' | 'villageCode' | 'score' | 'durationMs' | 'submittedAt' | 'name' | 'nameAt'>;

/**
 * Fold results into the boards: contest tallies that count on a board (called by the tally fold, under its
 * lock, before it deletes them), the board events (a cleared flag, an erasure), and with `open` every open
 * contest's board even without new results. Each board changed is written once; a best is a maximum and an
 * erasure a removal, so a fold resumed after a crash that meets the same results again gives the same boards.
 * Events are deleted only after the boards they changed were written.
 */
export async function foldBoards(app: AppContext, tallies: BoardTally[], opts: { open?: boolean } = {}): Promise<void> {
  const now = app.clock.now();
  const events = (await QuizFresh(app.db).collection.find({}).limit(10_000).toArray()) as unknown as FreshDoc[];
  const byContest = new Map<string, Array<BoardTally | FreshDoc>>();
  for (const f of [...tallies.filter((x) => x.board), ...(await perContest(app, events))]) {
    if (!f.contestId) continue;
    const k = String(f.contestId);
    byContest.set(k, [...(byContest.get(k) ?? []), f]);
  }
  const contests = new Map<string, ContestDoc>();
  if (opts.open) {
    const open = await Contests(app.db)
      .find({ status: { $in: ['published', 'closed'] }, startAt: { $lte: now }, endAt: { $gte: new Date(now.getTime() - 24 * 3600_000) } })
      .lean();
    for (const c of open) contests.set(String(c._id), c);
  }
  const others = [...byContest.keys()].filter((k) => !contests.has(k));
  if (others.length)
    for (const c of await Contests(app.db)
      .find({ _id: { $in: others } })
      .lean())
      contests.set(String(c._id), c);
  for (const c of contests.values()) {
    const s = await loadState(app, c);
    const mine = byContest.get(String(c._id)) ?? [];
    for (const f of mine) {
      if ('erase' in f && f.erase) continue;
      const residentId = String(f.residentId);
      // a result (a tally, a cleared flag), a rename, or a result carrying the name its attempt started with
      const improved =
        f.board &&
        fold1(s.best, {
          residentId,
          villageCode: f.villageCode ?? '',
          score: f.score!,
          durationMs: f.durationMs!,
          at: ('submittedAt' in f ? f.submittedAt : f.at).getTime(),
        });
      const renamed = f.name && rename(s, residentId, { name: f.name, at: ('nameAt' in f ? f.nameAt! : (f as FreshDoc).at).getTime() });
      if (improved || renamed) s.dirty.add(residentId);
    }
    // erasures last: the resident and their name leave the board
    for (const f of mine) {
      if (!('erase' in f && f.erase)) continue;
      s.names.delete(String(f.residentId));
      if (s.best.delete(String(f.residentId))) s.erased = true;
    }
    const changed = s.dirty.size > 0 || s.erased;
    if (s.names.size > 2 * s.best.size + 1_000) for (const id of [...s.names.keys()]) if (!s.best.has(id)) s.names.delete(id);
    const written = await writeState(app, s, now, changed);
    const slot = slotOf(app, c);
    if (written || !slot.board || slot.rev !== s.rev)
      slot.board = written ?? named(await prepareBoard(s.entries!, s.villages, now.getTime()), (id) => s.names.get(id)?.name);
    slot.rev = s.rev;
    slot.held = undefined; // the fold's own state is not a reader's to catch up
    slot.foldedAt = now.getTime();
    slot.checkedAt = app.clock.now().getTime();
  }
  const ids = events.map((e) => e._id);
  for (let i = 0; i < ids.length; i += DELETE_CHUNK) await collectionOf(QuizFresh(app.db)).deleteMany({ _id: { $in: ids.slice(i, i + DELETE_CHUNK) } });
}

/**
 * A board for readers: its entries (in rank order) indexed by resident and by scope in one pass that gives way
 * to requests as it goes; `named` then gives it the names of the top lists. Built before it replaces the board
 * being read.
 */
export async function prepareBoard(entries: Best[], villages: Village[], computedAt: number): Promise<Board> {
  const pathOf = new Map(villages.map((v) => [v.code, v.path]));
  const position = new Map<string, number>();
  const scopes = new Map<string, number[]>();
  for (let i = 0; i < entries.length; i++) {
    if (i % SLICE === SLICE - 1) await breathe();
    const e = entries[i]!;
    position.set(e.residentId, i);
    for (const code of pathOf.get(e.villageCode) ?? []) {
      let at = scopes.get(code);
      if (!at) scopes.set(code, (at = []));
      at.push(i);
    }
  }
  return { computedAt, entries, villages, position, scopes, names: new Map(), byScope: new Map() };
}

/** Everyone in the top list of some scope. */
function shownOf(b: Board): string[] {
  const shown = new Set<string>();
  for (const at of b.scopes.values()) for (let k = 0; k < Math.min(at.length, QUIZ.leaderboardSize); k++) shown.add(b.entries[at[k]!]!.residentId);
  return [...shown];
}

/** The names a board shows, as `nameOf` gives them (afresh for each board: an erased resident's is not kept). */
export function named(b: Board, nameOf: (residentId: string) => string | undefined): Board {
  for (const id of shownOf(b)) {
    const name = nameOf(id);
    if (name !== undefined) b.names.set(id, name);
  }
  return b;
}

/**
 * Boards in this process. Every TTL a read checks the small revision document behind the answer and reads the
 * board itself only when it changed; a read never waits for a fold. A board nobody folded yet is empty until
 * then, and one that is missing or long stale (no worker running) gets a fold started behind the read.
 */
export interface Slot {
  board?: Board;
  /** What the board was built from when this process caught up from the database (not when it folded). */
  held?: Held;
  rev?: number;
  foldedAt?: number;
  checkedAt?: number;
  checking?: Promise<Board | undefined>;
}
export const slotOf = (app: AppContext, c: Pick<ContestDoc, '_id'>) => {
  const { boards } = keptBy(app);
  const key = String(c._id);
  let slot = boards.get(key);
  if (!slot) boards.set(key, (slot = {}));
  return slot;
};
