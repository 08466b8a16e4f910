import { Types } from 'mongoose';
import { rebuildQuizFigures } from '../../src/modules/quiz';
import { QuizTallies } from '../../src/modules/quiz/figures.model';
import { Participations, QuizJobs, Submissions } from '../../src/modules/quiz/quiz.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_ND, VILLAGE_A, VILLAGE_C } from '../helpers/fixtures';
import { rightAnswers, seedQuestionBank } from '../helpers/quiz';
import { PATH } from '../helpers/report-year';

jest.setTimeout(120_000);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ now: '2026-06-01T02:00:00Z' });
  await seedVillages(t);
  await seedQuestionBank(t.app);
});
afterAll(() => t.close());

// A fresh staff login each time: the clock moves by days between the questions.
const participants = async (code: string) => {
  const { token } = await staffLogin(t, 'district_admin', '370303');
  const res = await t.request('GET', '/api/admin/v1/reports/yearly?year=2026', { token });
  expect(res.status).toBe(200);
  return (res.body.areas as Array<{ code: string; quiz: { participants: number } }>).find((a) => a.code === code)!.quiz.participants;
};
async function submitDaily(token: string) {
  const d = await t.request('GET', '/api/v1/quiz/daily', { token });
  const id = d.body.attempt.id as string;
  const s = await t.request('POST', `/api/v1/quiz/attempts/${id}/submit`, { token, body: { answers: await rightAnswers(t, id) } });
  expect(s.status).toBe(200);
}
let resident: { token: string; id: string };

describe('participation recorded at submit', () => {
  test('when a resident answers the daily quiz on two days and practises a topic, then one participation for the year, counted once in the report', async () => {
    expect(await participants('370303')).toBe(0);
    resident = await residentLogin(t, 'part-1', { village: VILLAGE_A });
    await submitDaily(resident.token);
    t.clock.advance(86_400_000);
    await submitDaily(resident.token);
    const p = await t.request('POST', '/api/v1/quiz/practice', { token: resident.token, body: { topic: 'hl66-2024' } });
    await t.request('POST', `/api/v1/quiz/attempts/${p.body.id}/submit`, { token: resident.token, body: { answers: await rightAnswers(t, p.body.id) } });
    expect(await Submissions(t.db).countDocuments({ residentId: new Types.ObjectId(resident.id) })).toBe(3);
    // The two counted submissions wait as tallies; the report folds them before it reads.
    expect(await QuizTallies(t.db).countDocuments({ residentId: new Types.ObjectId(resident.id) })).toBe(2);
    expect(await participants('370303')).toBe(1);
    expect(await QuizTallies(t.db).countDocuments({})).toBe(0);
    const mine = await Participations(t.db)
      .find({ residentId: new Types.ObjectId(resident.id) })
      .lean();
    expect(mine.map((x) => [x._id, x.year, x.areaPath])).toEqual([[`2026:${resident.id}:${VILLAGE_A}`, 2026, PATH[VILLAGE_A]]]);
    expect(await participants(PATH[VILLAGE_A]![1]!)).toBe(1);
  });
});

describe('backfill of submissions made before participations were recorded', () => {
  test('when old submissions are backfilled, then one record per resident, year and village, practice left out; run again, nothing new', async () => {
    const moved = new Types.ObjectId();
    const other = new Types.ObjectId();
    const sub = (residentId: Types.ObjectId, village: string, mode: string, at: string) => ({
      residentId,
      mode,
      day: at.slice(0, 10),
      areaPath: PATH[village],
      results: [],
      correct: 10,
      total: 10,
      score: 100,
      passed: true,
      durationMs: 60_000,
      tooFast: false,
      submittedAt: new Date(`${at}+08:00`),
    });
    await Submissions(t.db).insertMany([
      sub(moved, VILLAGE_A, 'daily', '2026-02-01T09:00:00'),
      sub(moved, VILLAGE_A, 'contest', '2026-03-01T09:00:00'),
      sub(moved, VILLAGE_C, 'daily', '2026-04-01T09:00:00'),
      sub(moved, VILLAGE_A, 'daily', '2025-12-31T23:30:00'),
      sub(other, VILLAGE_C, 'topic', '2026-04-01T09:00:00'),
      sub(other, VILLAGE_C, 'wrongbook', '2026-04-02T09:00:00'),
    ]);
    // Done once at start-up on the empty database: without `again` it does not run twice.
    expect(await QuizJobs(t.db).exists({ _id: 'quiz-figures-rebuild' })).toBeTruthy();
    expect(await rebuildQuizFigures(t.app)).toBeNull();
    expect(await rebuildQuizFigures(t.app, { again: true })).toEqual({ inserted: 3 });
    const keys = (
      await Participations(t.db)
        .find({ residentId: { $in: [moved, other] } }, { _id: 1 })
        .lean()
    )
      .map((x) => x._id)
      .sort();
    expect(keys).toEqual([`2025:${String(moved)}:${VILLAGE_A}`, `2026:${String(moved)}:${VILLAGE_A}`, `2026:${String(moved)}:${VILLAGE_C}`]);
    expect(await rebuildQuizFigures(t.app, { again: true })).toEqual({ inserted: 0 });
    // The resident who moved counts in each village (and once more in the district than before).
    expect(await participants('370303')).toBe(3);
    expect(await participants(TOWN_ND)).toBe(1);
  });

  test('when a resident erases their data, then their participation stays counted under the id their submissions now carry, and a backfill adds nothing', async () => {
    expect((await t.request('DELETE', '/api/v1/me', { token: resident.token })).status).toBe(204);
    expect(await Participations(t.db).countDocuments({ residentId: new Types.ObjectId(resident.id) })).toBe(0);
    const [anon] = await Submissions(t.db).distinct('residentId', {
      areaPath: VILLAGE_A,
      mode: 'daily',
      submittedAt: { $gte: new Date('2026-05-01T00:00:00Z') },
    });
    expect(String(anon)).not.toBe(resident.id);
    expect((await Participations(t.db).find({ residentId: anon }).lean()).map((x) => x._id)).toEqual([`2026:${String(anon)}:${VILLAGE_A}`]);
    expect(await rebuildQuizFigures(t.app, { again: true })).toEqual({ inserted: 0 });
    expect(await participants('370303')).toBe(3);
  });
});
