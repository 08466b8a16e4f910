import { Attempts, QuestionVersions } from '../../src/modules/quiz/quiz.model';
import { itemArea, STANDARD_PAPER, STANDARD_PAPER_SIZE } from '../../src/modules/quiz/blueprint';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, VILLAGE_A } from '../helpers/fixtures';
import { shanghaiYear } from '../../src/lib/area-figures';
import { quizYearFigures, rebuildQuizFigures } from '../../src/modules/quiz';
import { createContest, districtAdmin, rightAnswers, seedQuestionBank } from '../helpers/quiz';

jest.setTimeout(60_000);

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  await seedQuestionBank(t.app);
  admin = (await districtAdmin(t)).token;
});
afterAll(() => t.close());

const assessment = (over: Record<string, unknown> = {}, publish = true) =>
  createContest(
    t,
    admin,
    {
      kind: 'assessment',
      drawRules: undefined,
      attemptsPerDay: undefined,
      attemptsTotal: undefined,
      passScore: undefined,
      title: '2026年健康素养测评（第一轮）',
      ...over,
    },
    publish,
  );

async function paperCells(attemptId: string) {
  const a = await Attempts(t.db).findById(attemptId).lean();
  const cells = new Map<string, number>();
  const items = new Set<number>();
  for (const it of a!.items) {
    const v = await QuestionVersions(t.db).findOne({ questionId: it.questionId, version: it.version }).lean();
    items.add(v!.item!);
    const key = `${v!.part}/${itemArea.get(v!.item!)}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  return { cells, distinctItems: items.size, total: a!.items.length };
}

describe('health-literacy assessment', () => {
  test('when staff create an assessment, then it has the fixed rules: standard paper, one attempt, literate from 80', async () => {
    const id = await assessment({}, false);
    const res = await t.request('GET', `/api/admin/v1/quiz/contests/${id}`, { token: admin });
    expect(res.body).toMatchObject({
      kind: 'assessment',
      questionCount: STANDARD_PAPER_SIZE,
      attemptsPerDay: 1,
      attemptsTotal: 1,
      passScore: 80,
      drawRules: [],
    });
  });

  test('when an assessment is given its own draw rules, or a contest has none, then 400 naming the field and nothing is created', async () => {
    const now = t.clock.now().getTime();
    const base = {
      title: '测评',
      startAt: new Date(now).toISOString(),
      endAt: new Date(now + 86400_000).toISOString(),
      areaCode: '370303',
      timeLimitSec: 1200,
    };
    const bad = await t.request('POST', '/api/admin/v1/quiz/contests', {
      token: admin,
      body: { ...base, kind: 'assessment', drawRules: [{ tags: [], count: 5 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'drawRules', message: expect.any(String) }]);
    const noRules = await t.request('POST', '/api/admin/v1/quiz/contests', {
      token: admin,
      body: { ...base, attemptsPerDay: 1, attemptsTotal: 1, passScore: 60 },
    });
    expect(noRules.status).toBe(400);
    expect(noRules.body.error.details[0].path).toBe('drawRules');
  });

  test('when residents take an assessment, then every paper follows the blueprint (same cell counts, one question per item) and is timed', async () => {
    const id = await assessment({ timeLimitSec: 1500 });
    const want = new Map<string, number>();
    for (const c of STANDARD_PAPER) want.set(`${c.aspect}/${c.area}`, (want.get(`${c.aspect}/${c.area}`) ?? 0) + c.count);
    for (let i = 0; i < 3; i++) {
      const { token } = await residentLogin(t, `as-bp-${i}`, { village: VILLAGE_A });
      const res = await t.request('POST', `/api/v1/quiz/contests/${id}/attempts`, { token });
      expect(res.status).toBe(201);
      expect(new Date(res.body.deadline).getTime() - new Date(res.body.createdAt).getTime()).toBe(1500_000);
      const paper = await paperCells(res.body.id);
      expect(paper.total).toBe(STANDARD_PAPER_SIZE);
      expect(paper.distinctItems).toBe(STANDARD_PAPER_SIZE);
      expect(paper.cells).toEqual(want);
    }
  });

  test('when a resident starts a second attempt (also concurrently), then only one is ever created', async () => {
    const id = await assessment();
    const { token } = await residentLogin(t, 'as-once', { village: VILLAGE_A });
    const tries = await Promise.all([0, 1, 2, 3].map(() => t.request('POST', `/api/v1/quiz/contests/${id}/attempts`, { token })));
    expect(tries.filter((r) => r.status === 201)).toHaveLength(1);
    expect(tries.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(['DAILY_ATTEMPTS_USED', 'DAILY_ATTEMPTS_USED', 'DAILY_ATTEMPTS_USED']);
    const first = tries.find((r) => r.status === 201)!;
    const answers = await rightAnswers(t, first.body.id);
    t.clock.advance(5 * 60_000);
    const sub = await t.request('POST', `/api/v1/quiz/attempts/${first.body.id}/submit`, { token, body: { answers } });
    expect(sub.body).toMatchObject({ score: 100, passed: true, passScore: 80 });
    t.clock.advance(86400_000);
    expect((await t.request('POST', `/api/v1/quiz/contests/${id}/attempts`, { token })).body.error.code).toBe('ATTEMPTS_USED');
    expect(await Attempts(t.db).countDocuments({ contestId: id })).toBe(1);
  });
});

describe('literacy counts a paper flagged too fast only once staff clear it', () => {
  /** The round's takers and literate residents, and the year's quiz figures, in the district and the town. */
  async function literacy(contestId: string) {
    const codes = ['370303', TOWN_MS, VILLAGE_A];
    const f = await quizYearFigures(t.app, { root: '370303', rootPath: ['370303'], codes, ...shanghaiYear(2026), now: t.clock.now() });
    const round = f.rounds.find((r) => r.contestId === contestId)!;
    return { district: round.byArea.get('370303'), town: round.byArea.get(TOWN_MS), year: f.quiz.get(VILLAGE_A) };
  }

  test('when two papers are flagged too fast, then the round counts neither; clearing one counts it once (a repeat adds nothing) and a recount agrees', async () => {
    admin = (await districtAdmin(t)).token; // the clock has moved past earlier sign-ins
    const id = await assessment();
    const papers: string[] = [];
    for (const [i, ms] of [5 * 60_000, 1_000, 1_000].entries()) {
      const { token } = await residentLogin(t, `as-fast-${i}`, { village: VILLAGE_A });
      const att = await t.request('POST', `/api/v1/quiz/contests/${id}/attempts`, { token });
      t.clock.advance(ms);
      const sub = await t.request('POST', `/api/v1/quiz/attempts/${att.body.id}/submit`, { token, body: { answers: await rightAnswers(t, att.body.id) } });
      expect(sub.body).toMatchObject({ score: 100, tooFast: ms < 60_000 });
      papers.push(att.body.id);
    }
    const before = await literacy(id);
    // Only the paper answered at a reading pace counts for literacy; all three took part in the year.
    expect(before.district).toEqual({ takers: 1, literate: 1 });
    expect(before.town).toEqual({ takers: 1, literate: 1 });
    const review = (attemptId: string, decision: string) =>
      t.request('POST', `/api/admin/v1/quiz/contests/${id}/flagged/${attemptId}/review`, { token: admin, body: { decision } });
    expect((await review(papers[1]!, 'cleared')).status).toBe(200);
    expect((await review(papers[2]!, 'confirmed')).status).toBe(200);
    const after = await literacy(id);
    expect(after.district).toEqual({ takers: 2, literate: 2 });
    expect(after.town).toEqual({ takers: 2, literate: 2 });
    expect(after.year).toEqual(before.year); // taking part was counted at submit, and is not counted again
    // A second decision is refused and changes nothing; a town admin cannot clear the district's round.
    expect((await review(papers[1]!, 'cleared')).status).toBe(409);
    const town = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
    expect(
      (await t.request('POST', `/api/admin/v1/quiz/contests/${id}/flagged/${papers[2]}/review`, { token: town, body: { decision: 'cleared' } })).status,
    ).toBe(403);
    expect(await literacy(id)).toEqual(after);
    await rebuildQuizFigures(t.app, { again: true });
    expect(await literacy(id)).toEqual(after);
  });
});

describe('questions of an open assessment are reserved', () => {
  test('when an assessment is open, then daily and topic practice never serve a question of the 66 items; after it closes they may again', async () => {
    const t2 = await startTestApp();
    try {
      await seedVillages(t2);
      await seedQuestionBank(t2.app);
      const adm = (await districtAdmin(t2)).token;
      const id = await createContest(t2, adm, {
        kind: 'assessment',
        drawRules: undefined,
        attemptsPerDay: undefined,
        attemptsTotal: undefined,
        passScore: undefined,
      });
      const bankOf = async (attemptId: string) => {
        const a = await Attempts(t2.db).findById(attemptId).lean();
        return Promise.all(
          a!.items.map(async (it) => (await QuestionVersions(t2.db).findOne({ questionId: it.questionId, version: it.version }).lean())!.bank ?? null),
        );
      };
      for (let i = 0; i < 4; i++) {
        const { token } = await residentLogin(t2, `as-res-${i}`, { village: VILLAGE_A });
        const daily = await t2.request('GET', '/api/v1/quiz/daily', { token });
        expect(await bankOf(daily.body.attempt.id)).not.toContain('hl66-2024');
        const topic = await t2.request('POST', '/api/v1/quiz/practice', { token, body: { topic: '意外伤害' } });
        expect(topic.status).toBe(201);
        expect(await bankOf(topic.body.id)).not.toContain('hl66-2024');
      }
      const only66 = await residentLogin(t2, 'as-res-66', { village: VILLAGE_A });
      expect((await t2.request('POST', '/api/v1/quiz/practice', { token: only66.token, body: { topic: 'hl66-2024' } })).body.error.code).toBe('NO_QUESTIONS');
      await t2.request('POST', `/api/admin/v1/quiz/contests/${id}/close`, { token: adm });
      const after = await t2.request('POST', '/api/v1/quiz/practice', { token: only66.token, body: { topic: 'hl66-2024' } });
      expect(after.status).toBe(201);
      expect(new Set(await bankOf(after.body.id))).toEqual(new Set(['hl66-2024']));
    } finally {
      await t2.close();
    }
  });
});
