import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { backoffMs, collectionOf, insertWins, leasesIn, withLease } from '../../db/coordination';
import { insertManyKeyed, insertShared } from '../../db/model';
import { shanghaiDay } from '../../lib/shanghai';
import { QuizFigures, QuizFolds, QuizTallies, type FigureDoc, type RoundRow, type TallyDoc, type YearRow } from './figures.model';
import { foldBoards } from './leaderboard-fold';
import { Contests, Participations, QuizJobs, Submissions, type ParticipationDoc, type SubmissionDoc } from './quiz.model';

/**
 * The quiz's yearly figures are kept as they happen rather than recounted from every submission: the submit
 * inserts a tally (one small insert, `_id` = the submission), and the fold — every few seconds in the worker,
 * and at once before a report reads the figures — moves the waiting tallies into one document per year and
 * per literacy round, recording each resident's participation on the way, then deletes them. A report reads
 * a few documents of a few hundred rows however many submissions the year holds.
 *
 * Exactly once, without transactions: one fold at a time (a lock taken by a unique insert, with a lease); the
 * journal names the tallies of a fold before any figure changes; each figure document carries the id of the
 * fold that last changed it, so a fold resumed after a crash skips what it already added; participations it
 * inserted carry the fold id too, so they still count as new when the resumed fold meets them again.
 */

/** A resident is health-literate when they score at least this on the standard paper (national monitoring). */
export const LITERATE_SCORE = 80;
/** Quizzes that show how residents take part: the daily quiz and contests (topic and wrong-book practice do not). */
export const COUNTED_MODES: readonly string[] = ['daily', 'contest'];

type Counted = Pick<SubmissionDoc, 'residentId' | 'mode' | 'areaPath' | 'submittedAt'>;

/** The participation a submission stands for, or null when its mode does not count. */
export function participationOf(s: Counted): ParticipationDoc | null {
  if (!COUNTED_MODES.includes(s.mode)) return null;
  const year = Number(shanghaiDay(s.submittedAt).slice(0, 4));
  const village = s.areaPath[s.areaPath.length - 1] ?? '';
  return { _id: `${year}:${String(s.residentId)}:${village}`, year, residentId: s.residentId, areaPath: s.areaPath, firstAt: s.submittedAt };
}

const BATCH = 5_000;
/**
 * Deletes by `_id` list, a fold's worth at once: the test server scans the (small) inbox once per command and
 * binds one SQL variable per id (5,000 is well inside its limit); one `deleteOne` per id costs far more there.
 */
const DELETE_CHUNK = BATCH;
const LEASE_MS = 120_000;
const REBUILD = 'quiz-figures-rebuild';

const yearOf = (d: Date) => Number(shanghaiDay(d).slice(0, 4));
export const yearDocId = (year: number) => `year:${year}`;
export const roundDocId = (contestId: Types.ObjectId | string) => `round:${String(contestId)}`;
const pathKey = (p: readonly string[]) => p.join('/');

type Tally = Pick<
  TallyDoc,
  | '_id'
  | 'residentId'
  | 'areaPath'
  | 'mode'
  | 'score'
  | 'contestId'
  | 'submittedAt'
  | 'board'
  | 'villageCode'
  | 'durationMs'
  | 'name'
  | 'nameAt'
  | 'held'
  | 'cleared'
>;

/** A paper flagged too fast counts for literacy only once staff cleared it. */
const heldBack = (s: Pick<SubmissionDoc, 'tooFast' | 'flagCleared'>) => !!s.tooFast && !s.flagCleared;
const clearedId = (submissionId: Types.ObjectId | string) => `cleared:${String(submissionId)}`;

/**
 * After a counted submission: its tally, one insert (a duplicate key means it is tallied already); the fold
 * records the participation, adds it to the figures and, for a contest result that counts on the board, folds
 * it into the board (leaderboard-fold.ts) — so a submission costs this one write beside its own.
 */
export async function recordParticipation(
  app: AppContext,
  s: Pick<
    SubmissionDoc,
    '_id' | 'residentId' | 'areaPath' | 'mode' | 'score' | 'contestId' | 'submittedAt' | 'tooFast' | 'flagCleared' | 'villageCode' | 'durationMs'
  >,
  shown?: { name: string; at: Date },
): Promise<void> {
  if (!COUNTED_MODES.includes(s.mode)) return;
  const board = !!s.contestId && !heldBack(s);
  const doc: TallyDoc = {
    _id: s._id,
    residentId: s.residentId,
    areaPath: s.areaPath,
    mode: s.mode,
    score: s.score,
    submittedAt: s.submittedAt,
    ...(s.contestId ? { contestId: s.contestId } : {}),
    ...(s.contestId && heldBack(s) ? { held: true } : {}),
    ...(board ? { board, villageCode: s.villageCode ?? '', durationMs: s.durationMs, ...(shown ? { name: shown.name, nameAt: shown.at } : {}) } : {}),
  };
  await insertShared(QuizTallies(app.db).collection, doc); // refused: tallied already
}

/**
 * Staff cleared a paper flagged too fast (after `flagCleared` is set on it): its literacy round counts it from
 * the next fold. One insert keyed by the submission, so a repeat adds nothing; the year's figures had the paper
 * from its submit, so the fold adds it to the round only.
 */
export async function recordCleared(
  app: AppContext,
  s: Pick<SubmissionDoc, '_id' | 'residentId' | 'areaPath' | 'mode' | 'score' | 'contestId' | 'submittedAt'>,
): Promise<void> {
  if (!s.contestId || s.mode !== 'contest') return;
  const doc: TallyDoc = {
    _id: clearedId(s._id),
    residentId: s.residentId,
    areaPath: s.areaPath,
    mode: s.mode,
    score: s.score,
    contestId: s.contestId,
    submittedAt: s.submittedAt,
    cleared: true,
  };
  await insertShared(QuizTallies(app.db).collection, doc); // refused: noted already
}

// ---- the fold lock -------------------------------------------------------------------------------------------

/** Run `fn` holding the fold lock (`quizfolds/lock`); without `wait`, give up at once when another process folds. */
function withFoldLock<T>(app: AppContext, wait: boolean, fn: () => Promise<T>): Promise<T | null> {
  const lock = { coll: leasesIn(QuizFolds(app.db)), id: 'lock', leaseMs: LEASE_MS };
  return withLease(lock, { waitMs: wait ? LEASE_MS + 10_000 : 0, backoff: (attempt) => backoffMs(attempt, 20, 500, false), busy: () => null }, fn);
}

// ---- folding ---------------------------------------------------------------------------------------------------

type Rows<R> = Map<string, R>;
const yearRow = (areaPath: string[]): YearRow => ({ areaPath, submissions: 0, scoreSum: 0, participants: 0 });
const roundRow = (areaPath: string[]): RoundRow => ({ areaPath, takers: 0, literate: 0 });
function rowOf<R>(docs: Map<string, Rows<R>>, docId: string, areaPath: string[], make: (p: string[]) => R): R {
  let rows = docs.get(docId);
  if (!rows) docs.set(docId, (rows = new Map()));
  const key = pathKey(areaPath);
  let row = rows.get(key);
  if (!row) rows.set(key, (row = make(areaPath)));
  return row;
}

/** Contests among `ids` that are literacy rounds (a handful of small documents). */
async function assessmentIds(app: AppContext, ids: Types.ObjectId[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const found = await Contests(app.db)
    .find({ _id: { $in: ids }, kind: 'assessment' }, { _id: 1 })
    .lean();
  return new Set(found.map((c) => String(c._id)));
}

/** What tallies add: submissions and scores per year and path, takers and literate residents per round and path. */
async function tallyFigures(app: AppContext, tallies: Tally[]) {
  const docs = new Map<string, Rows<YearRow | RoundRow>>();
  const contestIds = [...new Map(tallies.filter((t) => t.contestId).map((t) => [String(t.contestId), t.contestId!])).values()];
  const rounds = await assessmentIds(app, contestIds);
  for (const t of tallies) addSubmission(docs, t, rounds);
  return docs;
}

/**
 * One counted submission: its year's row and, for a literacy round (`rounds`), the round's row unless it is
 * held back (flagged too fast, not cleared). A cleared flag adds the round's row only.
 */
function addSubmission(
  docs: Map<string, Rows<YearRow | RoundRow>>,
  t: Pick<Tally, 'areaPath' | 'mode' | 'score' | 'contestId' | 'submittedAt' | 'held' | 'cleared'>,
  rounds: ReadonlySet<string>,
) {
  if (!t.cleared) {
    const y = rowOf(docs, yearDocId(yearOf(t.submittedAt)), t.areaPath, yearRow) as YearRow;
    y.submissions += 1;
    y.scoreSum += t.score;
  }
  if (!t.held && t.mode === 'contest' && t.contestId && rounds.has(String(t.contestId))) {
    const r = rowOf(docs, roundDocId(t.contestId), t.areaPath, roundRow) as RoundRow;
    r.takers += 1;
    if (t.score >= LITERATE_SCORE) r.literate += 1;
  }
}

/** Participations the tallies stand for, inserted now; those new (or inserted by this same fold before a crash) add a participant. */
async function recordParticipations(app: AppContext, tallies: Tally[], foldId: string, resumed: boolean, docs: Map<string, Rows<YearRow | RoundRow>>) {
  const byId = new Map<string, ParticipationDoc>();
  for (const t of [...tallies].sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime())) {
    const p = t.cleared ? null : participationOf(t);
    if (p && !byId.has(p._id)) byId.set(p._id, p);
  }
  const list = [...byId.values()].map((p) => ({ ...p, foldId }));
  const refused = await insertManyKeyed(collectionOf(Participations(app.db)), list);
  const isNew = list.map((_, i) => !refused.has(i));
  if (resumed && refused.size) {
    // Refused may mean "inserted by this fold before it was interrupted": those are new all the same.
    const coll = collectionOf(Participations(app.db));
    for (let i = 0; i < list.length; i += 50) {
      const part = list.slice(i, i + 50);
      const found = await Promise.all(part.map((p, j) => (refused.has(i + j) ? coll.findOne({ _id: p._id }, { projection: { foldId: 1 } }) : null)));
      found.forEach((f, j) => {
        if (f && (f as { foldId?: string }).foldId === foldId) isNew[i + j] = true;
      });
    }
  }
  list.forEach((p, i) => {
    if (isNew[i]) (rowOf(docs, yearDocId(p.year), p.areaPath, yearRow) as YearRow).participants += 1;
  });
}

function merge(rows: Array<YearRow | RoundRow>, add: Rows<YearRow | RoundRow>): Array<YearRow | RoundRow> {
  const out = new Map(rows.map((r) => [pathKey(r.areaPath), { ...r }]));
  for (const [key, a] of add) {
    const cur = out.get(key) as Record<string, unknown> | undefined;
    if (!cur) out.set(key, { ...a });
    else for (const [k, v] of Object.entries(a)) if (typeof v === 'number') cur[k] = ((cur[k] as number | undefined) ?? 0) + v;
  }
  return [...out.values()].sort((a, b) => pathKey(a.areaPath).localeCompare(pathKey(b.areaPath)));
}

/** Add `docs` to the figure documents, each once: a document already stamped with this fold is left alone. */
async function applyFigures(app: AppContext, docs: Map<string, Rows<YearRow | RoundRow>>, foldId: string) {
  const coll = collectionOf(QuizFigures(app.db));
  for (const [docId, rows] of [...docs].sort(([a], [b]) => a.localeCompare(b))) {
    const cur = await coll.findOne({ _id: docId });
    if (cur?.foldId === foldId) continue;
    await coll.replaceOne({ _id: docId }, { rows: merge(cur?.rows ?? [], rows), foldId, updatedAt: app.clock.now() }, { upsert: true });
  }
}

async function deleteByIds(coll: { deleteMany(f: object): Promise<unknown> }, ids: readonly unknown[]) {
  for (let i = 0; i < ids.length; i += DELETE_CHUNK) await coll.deleteMany({ _id: { $in: ids.slice(i, i + DELETE_CHUNK) } });
}

/** One fold of at most BATCH tallies (or the interrupted one): how many tallies it took. Holds the lock. */
async function foldOnce(app: AppContext): Promise<number> {
  const folds = collectionOf(QuizFolds(app.db));
  const tallyColl = collectionOf(QuizTallies(app.db));
  let journal = (await folds.findOne({ _id: 'journal' })) as { foldId: string; tallyIds: Tally['_id'][] } | null;
  const resumed = !!journal;
  let tallies: Tally[];
  if (journal) {
    tallies = await tallyColl.find({ _id: { $in: journal.tallyIds } }).toArray();
  } else {
    tallies = await tallyColl.find({}, { limit: BATCH }).toArray();
    if (!tallies.length) return 0;
    const named = { foldId: new Types.ObjectId().toHexString(), tallyIds: tallies.map((t) => t._id) };
    // Refused only when this process's lease ran out and another took over: that one folds these.
    if (!(await insertWins(() => folds.insertOne({ _id: 'journal', ...named })))) return 0;
    journal = named;
  }
  const docs = await tallyFigures(app, tallies);
  await recordParticipations(app, tallies, journal.foldId, resumed, docs);
  await applyFigures(app, docs, journal.foldId);
  // the contests' boards take the results too (a best is a maximum: folding again changes nothing)
  await foldBoards(app, tallies);
  await deleteByIds(tallyColl, journal.tallyIds);
  await folds.deleteOne({ _id: 'journal' });
  return journal.tallyIds.length;
}

/**
 * Fold every waiting tally. The worker calls it without waiting (another process is folding: nothing to do);
 * a report waits for the lock so that it reads figures including every submission made before it asked.
 */
export async function foldQuizTallies(app: AppContext, opts: { wait?: boolean } = {}): Promise<{ folded: number } | null> {
  return withFoldLock(app, opts.wait ?? false, async () => {
    let folded = 0;
    for (;;) {
      const n = await foldOnce(app);
      folded += n;
      if (n < BATCH) break;
    }
    // boards of open contests are kept even when no result came (registered residents change)
    await foldBoards(app, [], { open: true });
    return { folded };
  });
}

/** The figure documents of a year and of the given rounds (absent ones are missing from the map). */
export async function readQuizFigures(app: AppContext, year: number, roundIds: readonly Types.ObjectId[]): Promise<Map<string, FigureDoc>> {
  await foldQuizTallies(app, { wait: true });
  const ids = [yearDocId(year), ...roundIds.map(roundDocId)];
  const found = await QuizFigures(app.db)
    .find({ _id: { $in: ids } })
    .lean();
  return new Map(found.map((d) => [d._id, d]));
}

/**
 * Recount the figures from the submissions themselves: once at start-up (submissions made before figures
 * were kept), and `again` for data loaded from elsewhere. Holds the fold lock: waiting tallies are folded
 * first, then every counted submission is read once; participations missing are inserted; the figure
 * documents are replaced; tallies of submissions this pass has read are dropped (they are counted).
 * Returns the participations it inserted, or null when it had run before.
 */
export async function rebuildQuizFigures(app: AppContext, opts: { again?: boolean } = {}): Promise<{ inserted: number } | null> {
  if (!opts.again && (await QuizJobs(app.db).exists({ _id: REBUILD }))) return null;
  const out = await withFoldLock(app, true, async () => {
    if (!opts.again && (await QuizJobs(app.db).exists({ _id: REBUILD }))) return null;
    while ((await foldOnce(app)) === BATCH);
    const assessments = new Set((await Contests(app.db).find({ kind: 'assessment' }, { _id: 1 }).lean()).map((c) => String(c._id)));
    const docs = new Map<string, Rows<YearRow | RoundRow>>();
    const seen = new Set<string>();
    const clearedSeen = new Set<string>();
    let inserted = 0;
    let batch = new Map<string, ParticipationDoc>();
    const flush = async () => {
      const list = [...batch.values()];
      batch = new Map();
      inserted += list.length - (await insertManyKeyed(collectionOf(Participations(app.db)), list)).size;
    };
    const rows = Submissions(app.db)
      .find({ mode: { $in: COUNTED_MODES } }, { residentId: 1, mode: 1, areaPath: 1, submittedAt: 1, score: 1, contestId: 1, tooFast: 1, flagCleared: 1 })
      .lean()
      .cursor({ batchSize: BATCH });
    for await (const s of rows) {
      seen.add(String(s._id));
      if (s.tooFast && s.flagCleared) clearedSeen.add(clearedId(s._id));
      addSubmission(docs, { ...s, held: heldBack(s) }, assessments);
      const p = participationOf(s);
      if (p && !batch.has(p._id)) batch.set(p._id, p);
      if (batch.size >= BATCH) await flush();
    }
    await flush();
    for await (const p of Participations(app.db).find({}, { _id: 0, year: 1, areaPath: 1 }).lean().cursor({ batchSize: BATCH })) {
      (rowOf(docs, yearDocId(p.year), p.areaPath, yearRow) as YearRow).participants += 1;
    }
    const foldId = `rebuild:${new Types.ObjectId().toHexString()}`;
    const coll = collectionOf(QuizFigures(app.db));
    for (const [docId, r] of docs) await coll.replaceOne({ _id: docId }, { rows: merge([], r), foldId, updatedAt: app.clock.now() }, { upsert: true });
    await coll.deleteMany({ _id: { $nin: [...docs.keys()] } });
    // Submissions made (or flags cleared) while this ran have tallies waiting; those this pass counted already are dropped.
    const waiting = (
      await QuizTallies(app.db)
        .collection.find({}, { projection: { _id: 1 } })
        .toArray()
    )
      .map((t) => t._id)
      .filter((id) => seen.has(String(id)) || clearedSeen.has(String(id)));
    await deleteByIds(QuizTallies(app.db).collection, waiting);
    await insertWins(() => QuizJobs(app.db).create({ _id: REBUILD, at: app.clock.now(), count: inserted }));
    app.logger.info({ event: 'quiz.figures.rebuild', inserted, documents: docs.size }, 'quiz figures recounted');
    return { inserted };
  });
  return out ?? null;
}

/** "Erase me": the resident's participations are re-keyed to the id their submissions now carry. */
export async function eraseParticipation(app: AppContext, residentId: Types.ObjectId, anonymous: Types.ObjectId): Promise<void> {
  // Their waiting tallies become participations first, so none is left under the erased id.
  await foldQuizTallies(app, { wait: true });
  const mine = await Participations(app.db).find({ residentId }).lean();
  if (!mine.length) return;
  await insertManyKeyed(
    collectionOf(Participations(app.db)),
    mine.map((p) => ({ ...p, _id: `${p.year}:${String(anonymous)}:${p._id.split(':').slice(2).join(':')}`, residentId: anonymous })),
  );
  await Participations(app.db).deleteMany({ _id: { $in: mine.map((p) => p._id) } });
}
