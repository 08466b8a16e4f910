import { Types } from 'mongoose';
import { shanghaiYear } from '../../src/lib/area-figures';
import { foldQuizTallies, quizYearFigures, rebuildQuizFigures } from '../../src/modules/quiz';
import { QuizFigures, QuizFolds, QuizTallies } from '../../src/modules/quiz/figures.model';
import { Contests, Participations, Submissions } from '../../src/modules/quiz/quiz.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { D, PATH } from '../helpers/report-year';

jest.setTimeout(120_000);

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp({ now: '2026-12-01T02:00:00Z' });
  await seedVillages(t);
});
afterEach(() => t.close());

const at = (s: string) => new Date(`${s}+08:00`);
const round = {
  _id: new Types.ObjectId(),
  kind: 'assessment',
  title: '秋季测评',
  startAt: at('2026-10-01T00:00:00'),
  endAt: at('2026-10-31T00:00:00'),
  areaCode: D,
  areaPath: [D],
  drawRules: [],
  timeLimitSec: 1800,
  attemptsPerDay: 1,
  attemptsTotal: 1,
  passScore: 80,
  status: 'closed',
  createdBy: 't',
  createdAt: at('2026-09-01T00:00:00'),
  updatedAt: at('2026-09-01T00:00:00'),
};

/** A submission and the tally its submit inserts beside it. */
function submitted(residentId: Types.ObjectId, village: string, mode: string, score: number, when: string, contestId?: Types.ObjectId) {
  const _id = new Types.ObjectId();
  const sub = {
    _id,
    residentId,
    mode,
    day: when.slice(0, 10),
    areaPath: PATH[village],
    results: [],
    correct: score / 10,
    total: 10,
    score,
    passed: score >= 60,
    durationMs: 60_000,
    tooFast: false,
    submittedAt: at(when),
    ...(contestId ? { contestId } : {}),
  };
  const tally = { _id, residentId, areaPath: PATH[village], mode, score, submittedAt: at(when), ...(contestId ? { contestId } : {}) };
  return { sub, tally };
}

/** 12 residents: A 6 (daily twice, one of them 2025 too), B 2 (topic practice only), C 4 (the literacy round, 3 literate). */
function activity() {
  const r = Array.from({ length: 12 }, () => new Types.ObjectId());
  const out = [
    ...r
      .slice(0, 6)
      .flatMap((id) => [submitted(id, VILLAGE_A, 'daily', 60, '2026-04-01T09:00:00'), submitted(id, VILLAGE_A, 'daily', 80, '2026-04-02T09:00:00')]),
    submitted(r[0]!, VILLAGE_A, 'daily', 100, '2025-12-31T23:00:00'),
    ...r.slice(6, 8).map((id) => submitted(id, VILLAGE_B, 'topic', 100, '2026-05-01T09:00:00')),
    ...r.slice(8, 12).map((id, i) => submitted(id, VILLAGE_C, 'contest', i < 3 ? 90 : 70, '2026-10-10T09:00:00', round._id)),
  ];
  return out;
}

async function figures() {
  const scope = { root: D, codes: [D, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C], ...shanghaiYear(2026), now: t.clock.now(), rootPath: [D] };
  const f = await quizYearFigures(t.app, scope);
  return {
    quiz: Object.fromEntries([...f.quiz].map(([k, v]) => [k, v])),
    round: Object.fromEntries([...f.rounds[0]!.byArea].map(([k, v]) => [k, v])),
  };
}

// Hand-counted from activity(): A 12 daily submissions (score sum 6×60 + 6×80 = 840) by 6 residents; C 4 contest
// submissions (3×90 + 70 = 340) by 4 residents, of whom 3 are literate; topic practice and 2025 count nowhere.
const EXPECTED = {
  quiz: {
    [D]: { participants: 10, submissions: 16, scoreSum: 1180 },
    [TOWN_MS]: { participants: 6, submissions: 12, scoreSum: 840 },
    [TOWN_ND]: { participants: 4, submissions: 4, scoreSum: 340 },
    [VILLAGE_A]: { participants: 6, submissions: 12, scoreSum: 840 },
    [VILLAGE_B]: { participants: 0, submissions: 0, scoreSum: 0 },
    [VILLAGE_C]: { participants: 4, submissions: 4, scoreSum: 340 },
  },
  round: {
    [D]: { takers: 4, literate: 3 },
    [TOWN_MS]: { takers: 0, literate: 0 },
    [TOWN_ND]: { takers: 4, literate: 3 },
    [VILLAGE_A]: { takers: 0, literate: 0 },
    [VILLAGE_B]: { takers: 0, literate: 0 },
    [VILLAGE_C]: { takers: 4, literate: 3 },
  },
};

async function load(opts: { tallies: boolean }) {
  await Contests(t.db).insertMany([round]);
  const a = activity();
  await Submissions(t.db).insertMany(a.map((x) => x.sub));
  const counted = a.filter((x) => ['daily', 'contest'].includes(x.sub.mode));
  if (opts.tallies) await QuizTallies(t.db).collection.insertMany(counted.map((x) => x.tally) as never[]);
  return counted;
}

describe('the yearly quiz figures kept by folding tallies', () => {
  test('when tallies wait and several folds and reports run at once, then every submission is counted exactly once and the inbox is empty', async () => {
    await load({ tallies: true });
    const [, , first, second] = await Promise.all([foldQuizTallies(t.app), foldQuizTallies(t.app), figures(), figures()]);
    expect(first).toEqual(EXPECTED);
    expect(second).toEqual(EXPECTED);
    expect(await figures()).toEqual(EXPECTED);
    expect(await QuizTallies(t.db).countDocuments({})).toBe(0);
    expect(await QuizFolds(t.db).countDocuments({})).toBe(0);
    expect(await Participations(t.db).countDocuments({})).toBe(11); // 10 in 2026, one in 2025
  });

  test('when a fold died after deleting nothing (figures already added), then the next fold finishes it without adding twice', async () => {
    const counted = await load({ tallies: true });
    expect(await foldQuizTallies(t.app)).toEqual({ folded: counted.length });
    const { foldId } = (await QuizFigures(t.db).findById('year:2026').lean())!;
    // The state a crash between adding the figures and deleting the tallies leaves: journal and tallies still there.
    await QuizTallies(t.db).collection.insertMany(counted.map((x) => x.tally) as never[]);
    await QuizFolds(t.db).collection.insertOne({ _id: 'journal', foldId, tallyIds: counted.map((x) => x.tally._id) } as never);
    expect(await foldQuizTallies(t.app)).toEqual({ folded: counted.length });
    expect(await figures()).toEqual(EXPECTED);
    expect(await QuizTallies(t.db).countDocuments({})).toBe(0);
  });

  test('when a fold died after inserting the participations but before adding the figures, then the resumed fold still counts those residents', async () => {
    const counted = await load({ tallies: true });
    const foldId = new Types.ObjectId().toHexString();
    await QuizFolds(t.db).collection.insertOne({ _id: 'journal', foldId, tallyIds: counted.map((x) => x.tally._id) } as never);
    const seen = new Set<string>();
    const parts = counted.flatMap(({ sub }) => {
      const year = sub.submittedAt < at('2026-01-01T00:00:00') ? 2025 : 2026;
      const id = `${year}:${String(sub.residentId)}:${sub.areaPath![2]}`;
      if (seen.has(id)) return [];
      seen.add(id);
      return [{ _id: id, year, residentId: sub.residentId, areaPath: sub.areaPath, firstAt: sub.submittedAt, foldId }];
    });
    await Participations(t.db).collection.insertMany(parts as never[]);
    expect(await figures()).toEqual(EXPECTED);
  });

  test('when a lock is left by a dead process, then a fold takes over once its lease has run out, and not before', async () => {
    await load({ tallies: true });
    await QuizFolds(t.db).collection.insertOne({ _id: 'lock', holder: 'alive', until: new Date(Date.now() + 60_000) } as never);
    expect(await foldQuizTallies(t.app)).toBeNull();
    await QuizFolds(t.db).collection.updateOne({ _id: 'lock' } as never, { $set: { until: new Date(Date.now() - 1) } });
    expect(await foldQuizTallies(t.app)).toEqual({ folded: 17 });
    expect(await figures()).toEqual(EXPECTED);
  });

  test('when submissions were loaded without tallies and some have tallies waiting, then a recount counts each once and drops the tallies it counted', async () => {
    const counted = await load({ tallies: false });
    // Half of them also have their tally waiting: counted once all the same (folded first, then recounted).
    await QuizTallies(t.db).collection.insertMany(counted.filter((_, i) => i % 2).map((x) => x.tally) as never[]);
    expect((await rebuildQuizFigures(t.app, { again: true }))!.inserted).toBeGreaterThan(0);
    expect(await Participations(t.db).countDocuments({})).toBe(11);
    expect(await QuizTallies(t.db).countDocuments({})).toBe(0);
    expect(await figures()).toEqual(EXPECTED);
    // Again: the same figures, nothing inserted.
    expect(await rebuildQuizFigures(t.app, { again: true })).toEqual({ inserted: 0 });
    expect(await figures()).toEqual(EXPECTED);
  });

  test('when a cleared too-fast paper has its clearing waiting, then a recount counts it once in the round and drops the waiting clearing', async () => {
    await load({ tallies: false });
    const fast = submitted(new Types.ObjectId(), VILLAGE_C, 'contest', 90, '2026-10-11T09:00:00', round._id);
    const held = submitted(new Types.ObjectId(), VILLAGE_C, 'contest', 90, '2026-10-11T09:00:00', round._id);
    await Submissions(t.db).insertMany([
      { ...fast.sub, tooFast: true, flagCleared: true },
      { ...held.sub, tooFast: true },
    ]);
    await QuizTallies(t.db).collection.insertOne({ ...fast.tally, _id: `cleared:${String(fast.sub._id)}`, cleared: true } as never);
    await rebuildQuizFigures(t.app, { again: true });
    expect(await QuizTallies(t.db).countDocuments({})).toBe(0);
    const f = await figures();
    expect(f.round[VILLAGE_C]).toEqual({ takers: 5, literate: 4 }); // the cleared paper; the one still held is not counted
    expect(f.quiz[VILLAGE_C]).toEqual({ participants: 6, submissions: 6, scoreSum: 520 }); // both took part
  });
});
