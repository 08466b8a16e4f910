import { Attempts, PointsLedger, Questions, QuizKeys, Submissions, WrongMarks } from '../../src/modules/quiz/quiz.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, VILLAGE_A } from '../helpers/fixtures';
import { createContest, districtAdmin, leaksAnswers, oid, rightAnswers, seedQuestionBank, wrongAnswers } from '../helpers/quiz';
import { shanghaiDay } from '../../src/lib/shanghai';
import bank from '../../src/modules/quiz/bank/questions.json';

// Many requests per test against a shared FerretDB: allow for a busy machine.
jest.setTimeout(30_000);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  await seedQuestionBank(t.app);
});
afterAll(() => t.close());

const explanations = (bank as { explanation: string }[]).map((q) => q.explanation);
/** No answer-shaped key and no explanation text anywhere in a pre-submit response. */
function assertNoAnswers(body: unknown) {
  expect(leaksAnswers(body)).toEqual([]);
  const text = JSON.stringify(body);
  expect(explanations.filter((e) => text.includes(e))).toEqual([]);
}

const submit = (token: string, id: string, answers: unknown, key?: string) =>
  t.request('POST', `/api/v1/quiz/attempts/${id}/submit`, { token, body: { answers }, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

describe('daily practice', () => {
  test('when a resident opens today twice, then the same 5 questions come back, without answers', async () => {
    const { token } = await residentLogin(t, 'daily1');
    const a = await t.request('GET', '/api/v1/quiz/daily', { token });
    const b = await t.request('GET', '/api/v1/quiz/daily', { token });
    expect(a.status).toBe(200);
    expect(a.body.attempt.questions).toHaveLength(5);
    expect(b.body.attempt.id).toBe(a.body.attempt.id);
    expect(b.body.attempt.questions).toEqual(a.body.attempt.questions);
    expect(a.body.result).toBeNull();
    assertNoAnswers(a.body);
    // Open until Shanghai midnight: 2026-11-28T02:00Z is 10:00 in Zibo, midnight is 16:00Z.
    expect(a.body.attempt.deadline).toBe('2026-11-28T16:00:00.000Z');
  });

  test('when ten first opens of the day race, then exactly one attempt exists and all see it', async () => {
    const { token, id } = await residentLogin(t, 'daily-race');
    const res = await Promise.all(Array.from({ length: 10 }, () => t.request('GET', '/api/v1/quiz/daily', { token })));
    expect(res.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(res.map((r) => r.body.attempt.id)).size).toBe(1);
    expect(await Attempts(t.db).countDocuments({ residentId: id, mode: 'daily' })).toBe(1);
  });

  test('when the Shanghai day changes, then a new daily attempt is drawn', async () => {
    const { token } = await residentLogin(t, 'daily-next');
    const today = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(24 * 3600_000);
    const tomorrow = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(-24 * 3600_000);
    expect(tomorrow.body.attempt.id).not.toBe(today.body.attempt.id);
  });
});

describe('submitting', () => {
  test('when all answers are right, then 100 points score, answers and explanations come back, and points are earned', async () => {
    const { token, id } = await residentLogin(t, 'sub-right');
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    const res = await submit(token, daily.body.attempt.id, await rightAnswers(t, daily.body.attempt.id));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ score: 100, correct: 5, total: 5, passed: true, tooFast: false, pointsEarned: 50 });
    expect(res.body.items[0]).toEqual({
      questionId: expect.any(String),
      type: expect.any(String),
      stem: expect.any(String),
      options: expect.any(Array),
      yourChoice: expect.any(Array),
      answer: expect.any(Array),
      correct: true,
      explanation: expect.stringMatching(/[\u4e00-\u9fa5]/),
      // what the question is tagged with, for the article that explains it
      item: (await Questions(t.db).findById(res.body.items[0].questionId).lean())!.item ?? null,
      topics: expect.any(Array),
    });
    // Reopening the daily shows the result now.
    const again = await t.request('GET', '/api/v1/quiz/daily', { token });
    expect(again.body.result.score).toBe(100);
    expect((await t.request('GET', '/api/v1/quiz/points', { token })).body).toEqual({ total: 50, today: 50, dailyCap: 50 });
    // the points are stored on the submission itself
    expect((await Submissions(t.db).findById(daily.body.attempt.id).lean())?.points).toBe(50);
    expect(await Submissions(t.db).countDocuments({ residentId: id })).toBe(1);
  });

  test('when the client claims answers it did not give, then the score is still computed from the stored draw', async () => {
    const { token } = await residentLogin(t, 'sub-wrong');
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    const answers = await wrongAnswers(t, daily.body.attempt.id);
    const res = await submit(token, daily.body.attempt.id, answers);
    expect(res.body).toMatchObject({ score: 0, correct: 0, passed: false, pointsEarned: 0 });
    const stored = await Submissions(t.db).findById(daily.body.attempt.id).lean();
    expect(stored?.results.every((r) => r.correct === false)).toBe(true);
  });

  test('when only some questions are answered, then the rest count as wrong', async () => {
    const { token } = await residentLogin(t, 'sub-partial');
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    const res = await submit(token, daily.body.attempt.id, (await rightAnswers(t, daily.body.attempt.id)).slice(0, 2));
    expect(res.body).toMatchObject({ correct: 2, total: 5, score: 40 });
  });

  test('when the same attempt is submitted again, then 409 ALREADY_SUBMITTED and the first result stands', async () => {
    const { token } = await residentLogin(t, 'sub-twice');
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    const first = await submit(token, daily.body.attempt.id, await wrongAnswers(t, daily.body.attempt.id));
    const second = await submit(token, daily.body.attempt.id, await rightAnswers(t, daily.body.attempt.id));
    expect(first.status).toBe(200);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('ALREADY_SUBMITTED');
    expect((await Submissions(t.db).findById(daily.body.attempt.id).lean())?.score).toBe(0);
  });

  test('when eight submissions of one attempt race, then exactly one is accepted and points are given once', async () => {
    const { token, id } = await residentLogin(t, 'sub-race');
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    const answers = await rightAnswers(t, daily.body.attempt.id);
    const res = await Promise.all(Array.from({ length: 8 }, () => submit(token, daily.body.attempt.id, answers)));
    expect(res.filter((r) => r.status === 200)).toHaveLength(1);
    expect(res.filter((r) => r.status === 409 && r.body.error.code === 'ALREADY_SUBMITTED')).toHaveLength(7);
    expect(await Submissions(t.db).countDocuments({ _id: daily.body.attempt.id })).toBe(1);
    expect(res.reduce((s, r) => s + (r.status === 200 ? r.body.pointsEarned : 0), 0)).toBe(50);
    expect((await t.request('GET', '/api/v1/quiz/points', { token })).body).toMatchObject({ today: 50, total: 50 });
    expect((await Submissions(t.db).find({ residentId: id }).lean()).map((x) => x.points)).toEqual([50]);
  });

  test('when a retry carries the same Idempotency-Key, then it gets the first result, not an error', async () => {
    const { token } = await residentLogin(t, 'sub-idem');
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    const answers = await rightAnswers(t, daily.body.attempt.id);
    const a = await submit(token, daily.body.attempt.id, answers, 'retry-key-0001');
    const b = await submit(token, daily.body.attempt.id, answers, 'retry-key-0001');
    expect(b.status).toBe(200);
    expect(b.body).toEqual(a.body);
  });

  test('when answers arrive within two seconds a question, then the submission is flagged and earns no points', async () => {
    const { token } = await residentLogin(t, 'sub-fast');
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(3_000);
    const res = await submit(token, daily.body.attempt.id, await rightAnswers(t, daily.body.attempt.id));
    expect(res.body).toMatchObject({ score: 100, tooFast: true, pointsEarned: 0 });
    expect((await Submissions(t.db).findById(daily.body.attempt.id).lean())?.tooFast).toBe(true);
  });

  test('when another resident submits my attempt, then 404 and nothing is stored', async () => {
    const me = await residentLogin(t, 'owner');
    const other = await residentLogin(t, 'intruder');
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token: me.token });
    const res = await submit(other.token, daily.body.attempt.id, []);
    expect(res.status).toBe(404);
    expect(await Submissions(t.db).countDocuments({ _id: daily.body.attempt.id })).toBe(0);
  });
});

describe('bad payloads', () => {
  let token: string;
  let attemptId: string;
  let questions: { id: string; type: string; options: unknown[] }[];
  beforeAll(async () => {
    ({ token } = await residentLogin(t, 'bad'));
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    attemptId = daily.body.attempt.id;
    questions = daily.body.attempt.questions;
  });
  const single = () => questions.find((q) => q.type !== 'multi')!;

  test.each([
    ['an unknown question id', () => [{ questionId: oid(), choice: ['A'] }], 'UNKNOWN_QUESTION'],
    [
      'a duplicate question',
      () => [
        { questionId: single().id, choice: ['A'] },
        { questionId: single().id, choice: ['B'] },
      ],
      'DUPLICATE_ANSWER',
    ],
    ['an option letter the question does not have', () => [{ questionId: single().id, choice: ['F'] }], 'INVALID_CHOICE'],
    ['a repeated letter', () => [{ questionId: questions[0]!.id, choice: ['A', 'A'] }], 'INVALID_CHOICE'],
    ['two letters for a single-choice question', () => [{ questionId: single().id, choice: ['A', 'B'] }], 'INVALID_CHOICE'],
    ['a letter outside A–F', () => [{ questionId: single().id, choice: ['Z'] }], 'VALIDATION_FAILED'],
    ['a huge answers array', () => Array.from({ length: 500 }, () => ({ questionId: oid(), choice: ['A'] })), 'VALIDATION_FAILED'],
    ['a non-ObjectId question id', () => [{ questionId: '$where', choice: ['A'] }], 'VALIDATION_FAILED'],
  ])('when the answers contain %s, then 400 %s and nothing is stored', async (_what, answers, code) => {
    t.clock.advance(60_000);
    const res = await submit(token, attemptId, answers());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(await Submissions(t.db).countDocuments({ _id: attemptId })).toBe(0);
  });

  test('when the body has unknown fields or is too large, then 4xx and nothing is stored', async () => {
    expect((await t.request('POST', `/api/v1/quiz/attempts/${attemptId}/submit`, { token, body: { answers: [], score: 100 } })).status).toBe(400);
    const huge = await t.request('POST', `/api/v1/quiz/attempts/${attemptId}/submit`, { token, body: { answers: [], pad: 'x'.repeat(200_000) } });
    expect(huge.status).toBe(413);
    expect(await Submissions(t.db).countDocuments({ _id: attemptId })).toBe(0);
  });
});

describe('points cap', () => {
  test('when scored submissions race on one day, then the points given never pass the cap and each is stored once', async () => {
    const { token, id } = await residentLogin(t, 'cap', { village: VILLAGE_A });
    const admin = (await districtAdmin(t)).token;
    const contest = await createContest(t, admin, { attemptsPerDay: 4, attemptsTotal: 4 });
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    const starts = await Promise.all(Array.from({ length: 3 }, () => t.request('POST', `/api/v1/quiz/contests/${contest}/attempts`, { token })));
    t.clock.advance(60_000);
    // Five correct answers fill the 50-point cap: four all-right submissions at once ask for far more.
    const ids = [daily.body.attempt.id as string, ...starts.map((r) => r.body.id as string)];
    const bodies = await Promise.all(ids.map((a) => rightAnswers(t, a)));
    const res = await Promise.all(ids.map((a, i) => submit(token, a, bodies[i])));
    expect(res.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(res.reduce((s, r) => s + r.body.pointsEarned, 0)).toBe(50);
    const stored = await Submissions(t.db).find({ residentId: id }).lean();
    expect(stored.reduce((s, x) => s + (x.points ?? 0), 0)).toBe(50);
    // each result shows what its submission earned, later too
    for (const [i, a] of ids.entries())
      expect((await t.request('GET', `/api/v1/quiz/attempts/${a}`, { token })).body.result.pointsEarned).toBe(res[i]!.body.pointsEarned);
    expect((await t.request('GET', '/api/v1/quiz/points', { token })).body).toMatchObject({ today: 50, total: 50 });
    expect(await PointsLedger(t.db).countDocuments({ residentId: id })).toBe(0);
  });

  test('when points were kept as ledger slots by an earlier version, then they still count, within the day cap', async () => {
    const { token, id } = await residentLogin(t, 'cap-legacy');
    const day = shanghaiDay(t.clock.now());
    await PointsLedger(t.db).insertMany(
      [1, 2, 3].map((n) => ({ _id: `${String(id)}:${day}:${n}`, residentId: id, day, points: 10, source: `attempt:${oid()}`, at: t.clock.now() })),
    );
    await PointsLedger(t.db).insertMany(
      [1, 2].map((n) => ({
        _id: `${String(id)}:2026-01-02:${n}`,
        residentId: id,
        day: '2026-01-02',
        points: 10,
        source: `attempt:${oid()}`,
        at: t.clock.now(),
      })),
    );
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    const res = await submit(token, daily.body.attempt.id, await rightAnswers(t, daily.body.attempt.id));
    expect(res.status).toBe(200);
    // the day shows at most the cap however the points were kept; other days add to the total
    expect((await t.request('GET', '/api/v1/quiz/points', { token })).body).toMatchObject({ today: 50, total: 70 });
  });
});

describe('deadline', () => {
  test('when a practice attempt is submitted after its deadline plus grace, then 409 ATTEMPT_EXPIRED and nothing is stored', async () => {
    const { token } = await residentLogin(t, 'late');
    const p = await t.request('POST', '/api/v1/quiz/practice', { token, body: { topic: '食品安全', count: 3 } });
    expect(p.status).toBe(201);
    t.clock.advance(6 * 3600_000 + 31_000);
    const res = await submit(token, p.body.id, []);
    t.clock.advance(-(6 * 3600_000 + 31_000));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ATTEMPT_EXPIRED');
    expect(await Submissions(t.db).countDocuments({ _id: p.body.id })).toBe(0);
  });

  test('when it is submitted within the grace after the deadline, then it is accepted', async () => {
    const { token } = await residentLogin(t, 'grace');
    const p = await t.request('POST', '/api/v1/quiz/practice', { token, body: { topic: '食品安全', count: 3 } });
    t.clock.advance(6 * 3600_000 + 20_000);
    const res = await submit(token, p.body.id, []);
    t.clock.advance(-(6 * 3600_000 + 20_000));
    expect(res.status).toBe(200);
  });
});

describe('topic practice and the wrong-answer book', () => {
  test('when a topic is practised, then only questions of that topic come, without answers, and no points are given', async () => {
    const { token, id } = await residentLogin(t, 'topic');
    const topics = await t.request('GET', '/api/v1/quiz/topics', { token });
    expect(topics.body.items).toEqual(
      expect.arrayContaining([
        { tag: 'hl66-2024', label: '健康素养66条', count: expect.any(Number) },
        { tag: '三减四健', label: '三减四健', count: 41 },
      ]),
    );
    const p = await t.request('POST', '/api/v1/quiz/practice', { token, body: { topic: '三减四健', count: 4 } });
    assertNoAnswers(p.body);
    const stems = new Set((bank as { stem: string; topics: string[] }[]).filter((q) => q.topics.includes('三减四健')).map((q) => q.stem));
    expect(p.body.questions.every((q: { stem: string }) => stems.has(q.stem))).toBe(true);
    t.clock.advance(60_000);
    const res = await submit(token, p.body.id, await rightAnswers(t, p.body.id));
    expect(res.body.pointsEarned).toBe(0);
    expect(await PointsLedger(t.db).countDocuments({ residentId: id })).toBe(0);
  });

  test('when questions are answered wrong, then they enter the book, and re-practice until right clears them', async () => {
    const { token } = await residentLogin(t, 'book');
    expect((await t.request('POST', '/api/v1/quiz/practice', { token, body: { wrongBook: true } })).body.error.code).toBe('WRONG_BOOK_EMPTY');
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    await submit(token, daily.body.attempt.id, await wrongAnswers(t, daily.body.attempt.id));
    const book = await t.request('GET', '/api/v1/quiz/wrong-book', { token });
    expect(book.body.count).toBe(5);
    expect(book.body.items[0]).toMatchObject({ wrongCount: 1, answer: expect.any(Array), explanation: expect.any(String) });
    const again = await t.request('POST', '/api/v1/quiz/practice', { token, body: { wrongBook: true } });
    expect(again.status).toBe(201);
    expect(again.body.questions.map((q: { id: string }) => q.id).sort()).toEqual(book.body.items.map((i: { questionId: string }) => i.questionId).sort());
    assertNoAnswers(again.body);
    t.clock.advance(60_000);
    const right = await rightAnswers(t, again.body.id);
    await submit(token, again.body.id, [...right.slice(0, 3), ...(await wrongAnswers(t, again.body.id)).slice(3)]);
    const after = await t.request('GET', '/api/v1/quiz/wrong-book', { token });
    expect(after.body.count).toBe(2);
    expect(after.body.items.every((i: { wrongCount: number }) => i.wrongCount === 2)).toBe(true);
  });

  test('when several attempts of one resident are submitted at once, then the book holds every wrong question exactly once', async () => {
    const { token, id } = await residentLogin(t, 'book-race', { consent: true });
    const attempts = await Promise.all(
      Array.from({ length: 4 }, () => t.request('POST', '/api/v1/quiz/practice', { token, body: { topic: '意外伤害', count: 5 } })),
    );
    t.clock.advance(60_000);
    const answers = await Promise.all(attempts.map((a) => wrongAnswers(t, a.body.id)));
    const res = await Promise.all(attempts.map((a, i) => submit(token, a.body.id, answers[i])));
    expect(res.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const distinct = new Set(attempts.flatMap((a) => a.body.questions.map((q: { id: string }) => q.id)));
    const book = await t.request('GET', '/api/v1/quiz/wrong-book', { token });
    expect(book.body.count).toBe(distinct.size);
    expect(book.body.items.reduce((s: number, i: { wrongCount: number }) => s + i.wrongCount, 0)).toBe(20);
    expect((await t.request('GET', '/api/v1/me/export', { token })).body.quiz.wrongBookMarks).toBe(20);
    expect(await Submissions(t.db).countDocuments({ residentId: id })).toBe(4);
  });

  test('when marks kept separately by an earlier version sit beside the submissions, then each answer counts once', async () => {
    const { token, id } = await residentLogin(t, 'book-legacy');
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    await submit(token, daily.body.attempt.id, await wrongAnswers(t, daily.body.attempt.id));
    const sub = await Submissions(t.db).findById(daily.body.attempt.id).lean();
    // the same answers as old marks (same keys), and one older wrong answer only an old mark knows of
    const old = sub!.results.map((r) => ({
      _id: `${String(id)}:${String(r.questionId)}:${daily.body.attempt.id}`,
      residentId: id,
      questionId: r.questionId,
      kind: 'wrong',
      at: sub!.submittedAt,
    }));
    const other = await Attempts(t.db)
      .findOne({ residentId: { $ne: id }, mode: 'daily' })
      .lean();
    const extra = other!.items.find((it) => !sub!.results.some((r) => r.questionId.equals(it.questionId)))!;
    await WrongMarks(t.db).insertMany([
      ...old,
      {
        _id: `${String(id)}:${String(extra.questionId)}:${oid()}`,
        residentId: id,
        questionId: extra.questionId,
        kind: 'wrong',
        at: new Date(sub!.submittedAt.getTime() - 86400_000),
      },
    ]);
    const book = await t.request('GET', '/api/v1/quiz/wrong-book', { token });
    expect(book.body.count).toBe(6);
    expect(book.body.items.every((i: { wrongCount: number }) => i.wrongCount === 1)).toBe(true);
  });
});

describe('my data', () => {
  test('when a resident exports and then erases their data, then quiz data is listed and then gone, submissions anonymised', async () => {
    const { token, id } = await residentLogin(t, 'pipl', { consent: true });
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token });
    t.clock.advance(60_000);
    await submit(token, daily.body.attempt.id, await wrongAnswers(t, daily.body.attempt.id));
    const exp = await t.request('GET', '/api/v1/me/export', { token });
    expect(exp.body.quiz.submissions).toHaveLength(1);
    expect(exp.body.quiz.wrongBookMarks).toBe(5);
    expect((await t.request('DELETE', '/api/v1/me', { token })).status).toBe(204);
    expect(await WrongMarks(t.db).countDocuments({ residentId: id })).toBe(0);
    expect(await Submissions(t.db).countDocuments({ residentId: id })).toBe(0);
    expect(await Submissions(t.db).countDocuments({ _id: daily.body.attempt.id })).toBe(1);
    expect(await QuizKeys(t.db).countDocuments({ attemptId: daily.body.attempt.id })).toBe(0);
  });
});

test('when the village is not set, then daily practice still works (contests need it)', async () => {
  const { token } = await residentLogin(t, 'novillage');
  expect((await t.request('GET', '/api/v1/quiz/daily', { token })).status).toBe(200);
  const { token: withVillage } = await residentLogin(t, 'village', { village: VILLAGE_A });
  expect((await t.request('GET', '/api/v1/quiz/daily', { token: withVillage })).status).toBe(200);
});
