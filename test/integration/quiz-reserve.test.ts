import { Contests } from '../../src/modules/quiz/quiz.model';
import { RESERVE_POOL_FACTOR } from '../../src/modules/quiz/reserved';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, VILLAGE_A } from '../helpers/fixtures';
import { createContest, districtAdmin, seedQuestionBank } from '../helpers/quiz';
import bank from '../../src/modules/quiz/bank/questions.json';

jest.setTimeout(60_000);

let t: TestApp;
let admin: { token: string; id: string };
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  await seedQuestionBank(t.app);
  admin = await districtAdmin(t);
});
afterAll(() => t.close());

/** A small topic: a reserving contest that draws half of it holds all of it back. */
const SMALL_TOPIC = '婚孕检';
const smallTopicSize = (bank as { topics: string[] }[]).filter((q) => q.topics.includes(SMALL_TOPIC)).length;

const reservedOf = async (id: string) => new Set(((await Contests(t.db).findById(id).lean())?.reservedQuestionIds ?? []).map(String));
const practise = (token: string, topic: string) => t.request('POST', '/api/v1/quiz/practice', { token, body: { topic, count: 20 } });

describe('questions reserved for a round', () => {
  let small: string;
  let large: string;

  test('when a contest asks for reservation, then publishing fixes its pool and its attempts draw only from it', async () => {
    small = await createContest(t, admin.token, {
      title: '婚孕检知识测评',
      drawRules: [{ tags: [SMALL_TOPIC], count: smallTopicSize / 2 }],
      reserveQuestions: true,
    });
    large = await createContest(t, admin.token, { title: '健康素养测评', drawRules: [{ tags: ['hl66-2024'], count: 50 }], reserveQuestions: true });
    expect((await reservedOf(small)).size).toBe(smallTopicSize);
    expect((await reservedOf(large)).size).toBe(50 * RESERVE_POOL_FACTOR);
    const view = await t.request('GET', `/api/admin/v1/quiz/contests/${large}`, { token: admin.token });
    expect(view.body.reserveQuestions).toBe(true);
    const { token } = await residentLogin(t, 'contestant', { village: VILLAGE_A });
    const attempt = await t.request('POST', `/api/v1/quiz/contests/${large}/attempts`, { token });
    expect(attempt.status).toBe(201);
    const pool = await reservedOf(large);
    expect(attempt.body.questions.every((q: { id: string }) => pool.has(q.id))).toBe(true);
  });

  test('when the round is open, then topic practice and the daily quiz never serve a reserved question', async () => {
    const reserved = new Set([...(await reservedOf(small)), ...(await reservedOf(large))]);
    const { token } = await residentLogin(t, 'practiser', { village: VILLAGE_A });
    const onlyReserved = await practise(token, SMALL_TOPIC);
    expect([onlyReserved.status, onlyReserved.body.error.code]).toEqual([409, 'NO_QUESTIONS']);
    const topics = await t.request('GET', '/api/v1/quiz/topics', { token });
    expect(topics.body.items.map((i: { tag: string }) => i.tag)).not.toContain(SMALL_TOPIC);
    const served: string[] = [];
    for (let i = 0; i < 3; i++) served.push(...(await practise(token, 'hl66-2024')).body.questions.map((q: { id: string }) => q.id));
    for (let i = 0; i < 6; i++) {
      const r = await residentLogin(t, `daily${i}`, { village: VILLAGE_A });
      served.push(...(await t.request('GET', '/api/v1/quiz/daily', { token: r.token })).body.attempt.questions.map((q: { id: string }) => q.id));
    }
    expect(served.length).toBe(3 * 20 + 6 * 5);
    expect(served.filter((id) => reserved.has(id))).toEqual([]);
  });

  test('when the round closes, then its questions return to practice', async () => {
    expect((await t.request('POST', `/api/admin/v1/quiz/contests/${small}/close`, { token: admin.token })).status).toBe(200);
    const { token } = await residentLogin(t, 'after', { village: VILLAGE_A });
    const res = await practise(token, SMALL_TOPIC);
    expect(res.status).toBe(201);
    // All of the closed round's pool again, but for questions the still-open round also holds.
    const stillHeld = await reservedOf(large);
    const expected = [...(await reservedOf(small))].filter((id) => !stillHeld.has(id)).sort();
    expect(res.body.questions.map((q: { id: string }) => q.id).sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });

  test('when a reserving round passes its end without being closed, then its questions return too', async () => {
    const end = (await Contests(t.db).findById(large).lean())!.endAt;
    t.clock.set(new Date(end.getTime() + 1000).toISOString());
    const reserved = await reservedOf(large);
    const { token } = await residentLogin(t, 'later', { village: VILLAGE_A });
    const served: string[] = [];
    for (let i = 0; i < 3; i++) served.push(...(await practise(token, 'hl66-2024')).body.questions.map((q: { id: string }) => q.id));
    expect(served.some((id) => reserved.has(id))).toBe(true);
  });
});
