import { AuditLog } from '../../src/modules/audit/audit.model';
import { Residents } from '../../src/modules/residents/residents.model';
import { Attempts, Certificates, QuizBests, QuizBoardChanges, QuizBoardRevs, QuizBoards, QuizKeys, Submissions } from '../../src/modules/quiz/quiz.model';
import mongoose, { Types } from 'mongoose';
import type { AppContext } from '../../src/context';
import { foldBoards, forgetBoards, keptBoard } from '../../src/modules/quiz/leaderboard-fold';
import { leaderboardForResident, refreshLeaderboards } from '../../src/modules/quiz/leaderboard-reads';
import { QUIZ } from '../../src/modules/quiz/quiz.rules';
import { maskName } from '../../src/lib/pii';
import { QuizTallies } from '../../src/modules/quiz/figures.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { createContest, districtAdmin, leaksAnswers, oid, rightAnswers, seedQuestionBank, wrongAnswers } from '../helpers/quiz';

// Many requests per test against a shared FerretDB: allow for a busy machine.
jest.setTimeout(30_000);

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  await seedQuestionBank(t.app);
  admin = (await districtAdmin(t)).token;
});
afterAll(() => t.close());

const start = (token: string, contestId: string) => t.request('POST', `/api/v1/quiz/contests/${contestId}/attempts`, { token });
const submit = (token: string, id: string, answers: unknown) => t.request('POST', `/api/v1/quiz/attempts/${id}/submit`, { token, body: { answers } });

describe('contest rules', () => {
  test('when a resident in scope starts a contest, then the draw follows the rules, the deadline is the time limit, and no answers are sent', async () => {
    const id = await createContest(t, admin, {
      drawRules: [
        { tags: ['三减四健'], count: 2 },
        { tags: ['食品安全'], difficulty: 1, count: 3 },
      ],
      timeLimitSec: 300,
    });
    const { token } = await residentLogin(t, 'c-draw', { village: VILLAGE_A });
    const list = await t.request('GET', '/api/v1/quiz/contests', { token });
    expect(list.body.items.find((c: { id: string }) => c.id === id)).toMatchObject({ state: 'open', attemptsUsed: 0, questionCount: 5, certificateCode: null });
    expect(leaksAnswers(list.body)).toEqual([]);
    const res = await start(token, id);
    expect(res.status).toBe(201);
    expect(res.body.questions).toHaveLength(5);
    expect(new Date(res.body.deadline).getTime() - new Date(res.body.createdAt).getTime()).toBe(300_000);
    expect(leaksAnswers(res.body)).toEqual([]);
    const again = await t.request('GET', `/api/v1/quiz/attempts/${res.body.id}`, { token });
    expect(again.body.result).toBeNull();
    expect(leaksAnswers(again.body)).toEqual([]);
  });

  test('when the contest has not started, has ended or is closed, then attempts are refused with a clear code', async () => {
    const now = t.clock.now().getTime();
    const future = await createContest(t, admin, { startAt: new Date(now + 86400_000).toISOString(), endAt: new Date(now + 2 * 86400_000).toISOString() });
    const { token } = await residentLogin(t, 'c-window', { village: VILLAGE_A });
    expect((await start(token, future)).body.error.code).toBe('CONTEST_NOT_STARTED');
    const past = await createContest(t, admin, { startAt: new Date(now - 2 * 86400_000).toISOString(), endAt: new Date(now - 60_000).toISOString() });
    expect((await start(token, past)).body.error.code).toBe('CONTEST_ENDED');
    const closed = await createContest(t, admin);
    await t.request('POST', `/api/admin/v1/quiz/contests/${closed}/close`, { token: admin });
    expect((await start(token, closed)).body.error.code).toBe('CONTEST_ENDED');
    const draft = await createContest(t, admin, {}, false);
    expect((await start(token, draft)).status).toBe(404);
    expect(await Attempts(t.db).countDocuments({ contestId: { $in: [future, past, closed, draft] } })).toBe(0);
  });

  test('when a resident outside the area scope (or without a village) tries, then 403 and the contest is not listed', async () => {
    const town = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
    const id = await createContest(t, town, { areaCode: TOWN_MS });
    const outside = await residentLogin(t, 'c-out', { village: VILLAGE_C });
    const res = await start(outside.token, id);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('OUT_OF_AREA');
    expect((await t.request('GET', '/api/v1/quiz/contests', { token: outside.token })).body.items.map((c: { id: string }) => c.id)).not.toContain(id);
    const noVillage = await residentLogin(t, 'c-novillage');
    expect((await start(noVillage.token, id)).body.error.code).toBe('VILLAGE_REQUIRED');
    expect((await start((await residentLogin(t, 'c-in', { village: VILLAGE_B })).token, id)).status).toBe(201);
  });

  test('when a town admin creates a contest for another town, then 403', async () => {
    const town = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
    const res = await t.request('POST', '/api/admin/v1/quiz/contests', {
      token: town,
      body: {
        title: '南定竞赛',
        startAt: '2026-11-01T00:00:00Z',
        endAt: '2026-12-31T00:00:00Z',
        areaCode: '370303-Z-ND',
        drawRules: [{ tags: [], count: 5 }],
        timeLimitSec: 600,
        attemptsPerDay: 1,
        attemptsTotal: 1,
        passScore: 60,
      },
    });
    expect(res.status).toBe(403);
  });

  test('when twelve attempts are started at once with 2 per day and 3 in total, then exactly 2 succeed today and 1 more tomorrow', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 2, attemptsTotal: 3 });
    const { token, id: rid } = await residentLogin(t, 'c-limit', { village: VILLAGE_A });
    const today = await Promise.all(Array.from({ length: 12 }, () => start(token, id)));
    expect(today.filter((r) => r.status === 201)).toHaveLength(2);
    expect(today.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(Array(10).fill('DAILY_ATTEMPTS_USED'));
    t.clock.advance(86400_000);
    const tomorrow = await Promise.all(Array.from({ length: 12 }, () => start(token, id)));
    t.clock.advance(-86400_000);
    expect(tomorrow.filter((r) => r.status === 201)).toHaveLength(1);
    expect(
      tomorrow
        .filter((r) => r.status === 409)
        .map((r) => r.body.error.code)
        .sort(),
    ).toContain('ATTEMPTS_USED');
    expect(await Attempts(t.db).countDocuments({ contestId: id, residentId: rid })).toBe(3);
    expect(await QuizKeys(t.db).countDocuments({ scope: `contest:${id}:${rid}:total` })).toBe(3);
  });

  test('when a start is retried with its Idempotency-Key (also concurrently), then one attempt and one slot are taken and every reply is that attempt', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 5, attemptsTotal: 5 });
    const { token, id: rid } = await residentLogin(t, 'c-retry', { village: VILLAGE_A });
    const send = () => t.request('POST', `/api/v1/quiz/contests/${id}/attempts`, { token, headers: { 'idempotency-key': 'start-retry-0001' } });
    const replies = await Promise.all([send(), send(), send()]);
    const done = replies.filter((r) => r.status === 201);
    expect(replies.filter((r) => r.status !== 201).map((r) => r.body.error.code)).toEqual(Array(3 - done.length).fill('REQUEST_IN_PROGRESS'));
    const later = await send();
    expect(later.status).toBe(201);
    expect(new Set([...done, later].map((r) => r.body.id))).toEqual(new Set([later.body.id]));
    expect(await Attempts(t.db).countDocuments({ contestId: id, residentId: rid })).toBe(1);
    expect(await QuizKeys(t.db).countDocuments({ scope: `contest:${id}:${rid}:total` })).toBe(1);
    // another key is another attempt
    const other = await t.request('POST', `/api/v1/quiz/contests/${id}/attempts`, { token, headers: { 'idempotency-key': 'start-retry-0002' } });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(later.body.id);
  });

  test('when the time limit plus grace has passed, then the submission is refused; within it, it counts', async () => {
    const id = await createContest(t, admin, { timeLimitSec: 120, attemptsPerDay: 2 });
    const { token } = await residentLogin(t, 'c-deadline', { village: VILLAGE_A });
    const late = await start(token, id);
    t.clock.advance(120_000 + 31_000);
    const lateRes = await submit(token, late.body.id, await rightAnswers(t, late.body.id));
    expect(lateRes.status).toBe(409);
    expect(lateRes.body.error.code).toBe('ATTEMPT_EXPIRED');
    const ok = await start(token, id);
    t.clock.advance(120_000 + 10_000);
    expect((await submit(token, ok.body.id, await rightAnswers(t, ok.body.id))).status).toBe(200);
    expect(await Submissions(t.db).countDocuments({ _id: late.body.id })).toBe(0);
  });
});

describe('certificates', () => {
  test('when a resident passes, then a certificate is issued once, verifiable publicly with a masked name', async () => {
    const id = await createContest(t, admin, { title: '三减四健知识竞赛', passScore: 80 });
    const { token } = await residentLogin(t, 'c-cert', { village: VILLAGE_A, realName: '王小明', phone: '13800001111' });
    const fail = await start(token, id);
    t.clock.advance(60_000);
    const failed = await submit(token, fail.body.id, await wrongAnswers(t, fail.body.id));
    expect(failed.body).toMatchObject({ passed: false, certificateCode: null });
    const pass = await start(token, id);
    t.clock.advance(60_000);
    const passed = await submit(token, pass.body.id, await rightAnswers(t, pass.body.id));
    expect(passed.body).toMatchObject({ passed: true, score: 100, certificateCode: expect.stringMatching(/^[A-Z2-9]{10}$/) });
    const pub = await t.request('GET', `/api/v1/certificates/${passed.body.certificateCode}`);
    expect(pub.status).toBe(200);
    expect(pub.body).toEqual({ code: passed.body.certificateCode, name: '王**', contestTitle: '三减四健知识竞赛', score: 100, issuedOn: '2026-11-28' });
    expect(JSON.stringify(pub.body)).not.toContain('王小明');
    expect((await t.request('GET', '/api/v1/certificates/NOSUCHCODE1')).status).toBe(404);
    expect(await Certificates(t.db).countDocuments({ contestId: id })).toBe(1);
    expect((await t.request('GET', '/api/v1/quiz/certificates', { token })).body.items).toHaveLength(1);
  });
});

describe('leaderboards', () => {
  test('when residents of three villages submit concurrently, then the leaderboard and village participation are exact', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 1, attemptsTotal: 1 });
    const people = await Promise.all([
      ...['甲', '乙', '丙', '丁'].map((n, i) => residentLogin(t, `lb-a${i}`, { village: VILLAGE_A, realName: `张${n}` })),
      ...['戊', '己'].map((n, i) => residentLogin(t, `lb-b${i}`, { village: VILLAGE_B, realName: `李${n}` })),
      residentLogin(t, 'lb-c0', { village: VILLAGE_C, realName: '赵庚' }),
    ]);
    const attempts = await Promise.all(people.map((p) => start(p.token, id)));
    t.clock.advance(60_000);
    // Resident i answers i+1 questions right (capped at 5): scores 20, 40, 60, 80, 100, 100, 100.
    const bodies = await Promise.all(
      attempts.map(async (a, i) => {
        const right = await rightAnswers(t, a.body.id);
        const wrong = await wrongAnswers(t, a.body.id);
        return [...right.slice(0, i + 1), ...wrong.slice(i + 1)];
      }),
    );
    const res = await Promise.all(attempts.map((a, i) => submit(people[i]!.token, a.body.id, bodies[i])));
    expect(res.map((r) => r.body.score)).toEqual([20, 40, 60, 80, 100, 100, 100]);
    await refreshLeaderboards(t.app); // the worker's task keeps the boards
    const district = await t.request('GET', `/api/v1/quiz/contests/${id}/leaderboard?scope=district`, { token: people[0]!.token });
    expect(district.status).toBe(200);
    expect(district.body.participants).toBe(7);
    expect(district.body.entries.map((e: { score: number }) => e.score)).toEqual([100, 100, 100, 80, 60, 40, 20]);
    expect(district.body.me).toEqual({ rank: 7, score: 20 });
    expect(district.body.entries[6]).toMatchObject({ name: '张*', me: true });
    const villageA = district.body.villages.find((v: { code: string }) => v.code === VILLAGE_A);
    // Earlier tests registered residents in the same villages: participation = participants ÷ all registered.
    const registeredA = await Residents(t.db).countDocuments({ villageCode: VILLAGE_A });
    expect(villageA).toMatchObject({ participants: 4, registered: registeredA, participation: Math.round((4 / registeredA) * 1000) / 1000, avgScore: 50 });
    const registeredC = await Residents(t.db).countDocuments({ villageCode: VILLAGE_C });
    expect(district.body.villages.find((v: { code: string }) => v.code === VILLAGE_C)).toMatchObject({
      participants: 1,
      registered: registeredC,
      avgScore: 100,
    });
    const village = await t.request('GET', `/api/v1/quiz/contests/${id}/leaderboard?scope=village`, { token: people[4]!.token });
    expect(village.body.entries.map((e: { name: string }) => e.name)).toEqual(['李*', '李*']);
    expect(village.body.participants).toBe(2);
    const town = await t.request('GET', `/api/v1/quiz/contests/${id}/leaderboard?scope=town`, { token: people[0]!.token });
    expect(town.body.participants).toBe(6);
    expect(town.body.villages.map((v: { code: string }) => v.code).sort()).toEqual([VILLAGE_A, VILLAGE_B].sort());
  });

  test('when a new submission lands, then the board may lag but catches up after the worker’s next refresh', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 1, attemptsTotal: 1 });
    const a = await residentLogin(t, 'lag-a', { village: VILLAGE_A });
    const b = await residentLogin(t, 'lag-b', { village: VILLAGE_A });
    const first = await t.request('GET', `/api/v1/quiz/contests/${id}/leaderboard?scope=district`, { token: a.token });
    expect(first.body.participants).toBe(0);
    const att = await start(b.token, id);
    t.clock.advance(60_000);
    await submit(b.token, att.body.id, await rightAnswers(t, att.body.id));
    await refreshLeaderboards(t.app);
    const later = await t.request('GET', `/api/v1/quiz/contests/${id}/leaderboard?scope=district`, { token: a.token });
    expect(later.body.participants).toBe(1);
  });
});

describe('incremental boards', () => {
  const board = (token: string, id: string, scope = 'district') => t.request('GET', `/api/v1/quiz/contests/${id}/leaderboard?scope=${scope}`, { token });

  test('when results arrive between refreshes, then each refresh folds only those, a refresh with nothing new rewrites nothing, and an erased resident leaves the board', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 3, attemptsTotal: 3 });
    const [a, b] = await Promise.all([residentLogin(t, 'inc-a', { village: VILLAGE_A, consent: true }), residentLogin(t, 'inc-b', { village: VILLAGE_B })]);
    const answer = async (p: { token: string }, right: number) => {
      const att = await start(p.token, id);
      t.clock.advance(60_000);
      const r = await rightAnswers(t, att.body.id);
      const w = await wrongAnswers(t, att.body.id);
      return submit(p.token, att.body.id, [...r.slice(0, right), ...w.slice(right)]);
    };
    await answer(a, 2);
    await refreshLeaderboards(t.app);
    expect((await board(b.token, id)).body.entries.map((e: { score: number }) => e.score)).toEqual([40]);
    const rev = await QuizBoardRevs(t.db).findById(id).lean();
    await refreshLeaderboards(t.app);
    expect((await QuizBoardRevs(t.db).findById(id).lean())!.rev).toBe(rev!.rev);
    await answer(b, 3);
    await answer(a, 5);
    await answer(a, 1); // worse: folded, changes nothing
    expect(await QuizTallies(t.db).countDocuments({ contestId: id })).toBe(3);
    await refreshLeaderboards(t.app);
    expect(await QuizTallies(t.db).countDocuments({ contestId: id })).toBe(0);
    const after = await board(b.token, id);
    expect(after.body.entries.map((e: { score: number }) => e.score)).toEqual([100, 60]);
    expect(after.body.me).toEqual({ rank: 2, score: 60 });
    expect((await QuizBoardRevs(t.db).findById(id).lean())!.rev).not.toBe(rev!.rev);
    // the refresh inserted what changed beside the board document, which still holds the first fold
    const changes = () => QuizBoardChanges(t.db).countDocuments({ _id: { $regex: `^${id}:` } });
    expect(await changes()).toBe(1);
    expect((await QuizBoards(t.db).findById(id).lean())!.entries.resident).toEqual([a.id]);
    expect((await keptBoard(t.app, id))!.entries.map((e) => e.score)).toEqual([100, 60]);
    expect((await t.request('DELETE', '/api/v1/me', { token: a.token })).status).toBe(204);
    await refreshLeaderboards(t.app);
    const gone = await QuizBoards(t.db).findById(id).lean();
    // an erasure rewrites the board document: no stored change keeps the erased resident's name
    expect(gone!.entries.resident).toEqual([b.id]);
    expect(gone!.names!.resident).toEqual([b.id]);
    expect(await changes()).toBe(0);
  });

  test('when results carry the names their attempts started with, then the board equals one recomputed from the submissions and the residents', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 2, attemptsTotal: 2 });
    const people = await Promise.all(
      ['钱一', '孙二', '周三', '吴四', '郑五'].map((n, i) =>
        residentLogin(t, `named-${i}`, { village: [VILLAGE_A, VILLAGE_B, VILLAGE_C][i % 3], realName: n }),
      ),
    );
    const answer = async (p: { token: string }, right: number) => {
      const att = await start(p.token, id);
      t.clock.advance(60_000);
      return submit(p.token, att.body.id, [...(await rightAnswers(t, att.body.id)).slice(0, right), ...(await wrongAnswers(t, att.body.id)).slice(right)]);
    };
    // bests 0, 20, 40, 80, 100: two residents improve after the first refresh
    await Promise.all(people.map((p, i) => answer(p, i)));
    await refreshLeaderboards(t.app);
    await Promise.all(people.map((p, i) => answer(p, [0, 0, 0, 4, 5][i]!)));
    expect((await QuizTallies(t.db).find({ contestId: id }).lean()).map((x) => x.name).sort()).toEqual(['吴*', '周*', '孙*', '郑*', '钱*']);
    await refreshLeaderboards(t.app);
    // the recompute: each resident's best submission, ranked, named from the residents
    const subs = await Submissions(t.db).find({ contestId: id }).lean();
    const best = new Map<string, (typeof subs)[number]>();
    for (const x of subs) {
      const prev = best.get(String(x.residentId));
      if (!prev || x.score > prev.score || (x.score === prev.score && x.durationMs < prev.durationMs)) best.set(String(x.residentId), x);
    }
    const ranked = [...best.values()].sort((x, y) => y.score - x.score || x.durationMs - y.durationMs || x.submittedAt.getTime() - y.submittedAt.getTime());
    const residents = await Residents(t.db)
      .find({ _id: { $in: ranked.map((x) => x.residentId) } })
      .lean();
    const nameOf = new Map(residents.map((r) => [String(r._id), maskName(t.app.pii.open(r.nameEnc!))]));
    const kept = (await keptBoard(t.app, id))!;
    expect(kept.entries.map((e) => [e.residentId, e.score, kept.names.get(e.residentId)])).toEqual(
      ranked.map((x) => [String(x.residentId), x.score, nameOf.get(String(x.residentId))]),
    );
    const res = await board(people[0]!.token, id);
    expect(res.body.entries.map((e: { name: string; score: number }) => [e.name, e.score])).toEqual(
      ranked.map((x) => [nameOf.get(String(x.residentId)), x.score]),
    );
  });

  test('when a resident on a board is renamed, also while an attempt started under the old name is running, then the board shows the new name', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 3, attemptsTotal: 3 });
    const a = await residentLogin(t, 'rename-a', { village: VILLAGE_A, realName: '冯一' });
    const first = await start(a.token, id);
    t.clock.advance(60_000);
    await submit(a.token, first.body.id, await wrongAnswers(t, first.body.id));
    await refreshLeaderboards(t.app);
    expect((await board(a.token, id)).body.entries.map((e: { name: string }) => e.name)).toEqual(['冯*']);
    const running = await start(a.token, id); // carries 冯*
    t.clock.advance(1_000);
    expect((await t.request('PATCH', '/api/v1/me', { token: a.token, body: { name: '陈二' } })).status).toBe(200);
    await refreshLeaderboards(t.app);
    expect((await board(a.token, id)).body.entries.map((e: { name: string }) => e.name)).toEqual(['陈*']);
    t.clock.advance(60_000);
    await submit(a.token, running.body.id, await rightAnswers(t, running.body.id));
    await refreshLeaderboards(t.app);
    const after = (await board(a.token, id)).body;
    expect(after.entries.map((e: { name: string; score: number }) => [e.name, e.score])).toEqual([['陈*', 100]]);
    // a process holding nothing reads the same from the kept board
    forgetBoards(t.app);
    expect((await board(a.token, id)).body.entries.map((e: { name: string }) => e.name)).toEqual(['陈*']);
  });

  test('when one process folds and another reads, then the reader catches up by the changes alone and answers as the folder does at every step', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 5, attemptsTotal: 5 });
    const people = await Promise.all(
      ['赵', '钱', '孙', '李', '周', '吴', '郑'].map((n, i) =>
        residentLogin(t, `two-${i}`, { village: [VILLAGE_A, VILLAGE_B, VILLAGE_C][i % 3], realName: `${n}${'一二三四五六七'[i]}`, consent: true }),
      ),
    );
    const answer = async (p: { token: string }, right: number) => {
      const att = await start(p.token, id);
      t.clock.advance(60_000);
      return submit(p.token, att.body.id, [...(await rightAnswers(t, att.body.id)).slice(0, right), ...(await wrongAnswers(t, att.body.id)).slice(right)]);
    };
    // the reading process: its own connection to the same database, so it holds its own boards
    const conn = await mongoose.createConnection(process.env.TEST_MONGODB_URI!, { dbName: t.db.name, autoIndex: false, monitorCommands: true }).asPromise();
    const reader: AppContext = { ...t.app, db: conn };
    const boardReads: string[] = []; // what it reads of the boards
    conn.getClient().on('commandStarted', (e) => {
      const coll = String(e.command[e.commandName]);
      if (e.commandName === 'find' && coll.startsWith('quizboard')) boardReads.push(`${e.commandName} ${coll}`);
    });
    try {
      let readers = people;
      const views = (app: AppContext) =>
        Promise.all(
          readers.flatMap((p) => (['village', 'town', 'district'] as const).map((scope) => leaderboardForResident(app, new Types.ObjectId(p.id), id, scope))),
        );
      /** The folder refreshes; the reader, checking its revision every TTL behind its answers, soon answers the same. */
      const refreshed = async (): Promise<string[]> => {
        await refreshLeaderboards(t.app);
        boardReads.length = 0;
        t.clock.advance(QUIZ.leaderboardTtlMs);
        const want = await views(t.app);
        for (let i = 0; i < 200 && JSON.stringify(await views(reader)) !== JSON.stringify(want); i++) await new Promise((r) => setTimeout(r, 10));
        expect(await views(reader)).toEqual(want);
        // and both rank as a full sort of the kept board does
        const kept = (await keptBoard(t.app, id))!;
        expect(want[2]!.entries.map((e) => [e.name, e.score])).toEqual(kept.entries.map((e) => [kept.names.get(e.residentId), e.score]));
        return [...new Set(boardReads)];
      };
      // one after another: each takes a minute, and equal scores rank by who submitted first
      const inTurn = async (...results: Array<[number, number]>) => {
        for (const [who, right] of results) await answer(people[who]!, right);
      };
      // bests 0, 20, 60, 100 in three villages: the reader holding nothing reads the board document
      await inTurn([0, 0], [1, 1], [2, 3], [3, 5]);
      expect(await refreshed()).toEqual(['find quizboardrevs', 'find quizboards']);
      // newcomers, one resident moving to the top, a worse result: read as the change on top of what it holds
      await inTurn([4, 2], [5, 4], [0, 5], [2, 1]);
      expect(await refreshed()).toEqual(['find quizboardrevs', 'find quizboardchanges']);
      const mid = await leaderboardForResident(reader, new Types.ObjectId(people[0]!.id), id, 'district');
      expect(mid.entries.map((e) => [e.name, e.score])).toEqual([
        ['李*', 100],
        ['赵*', 100],
        ['吴*', 80],
        ['孙*', 60],
        ['周*', 40],
        ['钱*', 20],
      ]);
      expect(mid.me).toEqual({ rank: 2, score: 100 });
      await inTurn([6, 0], [1, 4]); // one new at the bottom
      expect(await refreshed()).toEqual(['find quizboardrevs', 'find quizboardchanges']);
      // an erasure rewrites the board document: the reader reads it anew, and the resident is gone from its answers
      expect((await t.request('DELETE', '/api/v1/me', { token: people[3]!.token })).status).toBe(204);
      readers = people.filter((_, i) => i !== 3);
      expect(await refreshed()).toEqual(['find quizboardrevs', 'find quizboards']);
      const after = await leaderboardForResident(reader, new Types.ObjectId(people[0]!.id), id, 'district');
      expect(after.entries.map((e) => [e.name, e.score])).toEqual([
        ['赵*', 100],
        ['吴*', 80],
        ['钱*', 80],
        ['孙*', 60],
        ['周*', 40],
        ['郑*', 0],
      ]);
      expect(after.participants).toBe(6);
    } finally {
      await conn.close();
    }
  });

  test('when best-result records kept by an earlier version exist, then the first refresh starts from them and newer results fold on top', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 2, attemptsTotal: 2 });
    const [a, b] = await Promise.all([residentLogin(t, 'old-a', { village: VILLAGE_A }), residentLogin(t, 'old-b', { village: VILLAGE_A })]);
    const rec = (who: string, score: number) => ({
      _id: `${id}:${who}:${score}`,
      contestId: id,
      residentId: who,
      villageCode: VILLAGE_A,
      score,
      durationMs: 90_000,
      at: t.clock.now(),
      submissionId: oid(),
    });
    await QuizBests(t.db).insertMany([rec(a.id, 40), rec(a.id, 80), rec(b.id, 60)]);
    const att = await start(b.token, id);
    t.clock.advance(60_000);
    await submit(b.token, att.body.id, await rightAnswers(t, att.body.id));
    await refreshLeaderboards(t.app);
    const res = await t.request('GET', `/api/v1/quiz/contests/${id}/leaderboard?scope=village`, { token: a.token });
    expect(res.body.entries.map((e: { score: number }) => e.score)).toEqual([100, 80]);
    expect(res.body.me).toEqual({ rank: 2, score: 80 });
  });

  test('when a result is folded twice (a fold stopped before deleting it), then the board is the same', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 1, attemptsTotal: 1 });
    const a = await residentLogin(t, 'twice-a', { village: VILLAGE_C });
    const att = await start(a.token, id);
    t.clock.advance(60_000);
    await submit(a.token, att.body.id, await rightAnswers(t, att.body.id));
    const noted = await QuizTallies(t.db).find({ contestId: id }).lean();
    expect(noted).toHaveLength(1);
    expect(noted[0]).toMatchObject({ board: true, villageCode: VILLAGE_C, score: 100 });
    await refreshLeaderboards(t.app);
    const first = await QuizBoards(t.db).findById(id).lean();
    expect(first!.entries.resident).toEqual([a.id]);
    await foldBoards(t.app, noted); // as a fold resumed after a crash would
    await refreshLeaderboards(t.app);
    const second = await QuizBoards(t.db).findById(id).lean();
    expect(second!.entries).toEqual(first!.entries);
    expect(await QuizTallies(t.db).countDocuments({ contestId: id })).toBe(0);
  });
});

describe('best results', () => {
  test('when one resident submits several attempts at once and later a worse one, then the board shows the best, kept by inserts only', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 6, attemptsTotal: 6 });
    const p = await residentLogin(t, 'best-a', { village: VILLAGE_A });
    const attempts = await Promise.all(Array.from({ length: 4 }, () => start(p.token, id)));
    t.clock.advance(60_000);
    // right answers 1, 2, 3, 4 of 5: scores 20, 40, 60, 80, all at once
    const res = await Promise.all(
      attempts.map(async (a, i) => {
        const right = await rightAnswers(t, a.body.id);
        const wrong = await wrongAnswers(t, a.body.id);
        return submit(p.token, a.body.id, [...right.slice(0, i + 1), ...wrong.slice(i + 1)]);
      }),
    );
    expect(res.map((r) => r.body.score).sort()).toEqual([20, 40, 60, 80]);
    const worse = await start(p.token, id);
    t.clock.advance(60_000);
    await submit(p.token, worse.body.id, await wrongAnswers(t, worse.body.id));
    await refreshLeaderboards(t.app);
    const board = await t.request('GET', `/api/v1/quiz/contests/${id}/leaderboard?scope=village`, { token: p.token });
    expect(board.body.me).toEqual({ rank: 1, score: 80 });
    expect(board.body.participants).toBe(1);
    // everything waiting for the fold was folded and removed: the next refresh reads only what arrives after
    expect(await QuizTallies(t.db).countDocuments({ contestId: id })).toBe(0);
  });
});

describe('staff statistics', () => {
  test('when staff read a contest’s statistics, then participation, pass rate, score buckets and per-question rates are right, and export is audited', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 1, attemptsTotal: 1, passScore: 60 });
    const a = await residentLogin(t, 'st-a', { village: VILLAGE_A });
    const c = await residentLogin(t, 'st-c', { village: VILLAGE_C });
    for (const [p, good] of [
      [a, true],
      [c, false],
    ] as const) {
      const att = await start(p.token, id);
      t.clock.advance(60_000);
      await submit(p.token, att.body.id, good ? await rightAnswers(t, att.body.id) : await wrongAnswers(t, att.body.id));
    }
    const stats = await t.request('GET', `/api/admin/v1/quiz/contests/${id}/stats`, { token: admin });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ participants: 2, passed: 1, passRate: 0.5, submissions: 2, attempts: 2, tooFast: 0 });
    expect(stats.body.byArea).toEqual(
      expect.arrayContaining([expect.objectContaining({ villageCode: VILLAGE_A, villageName: '东村', participants: 1, passed: 1, passRate: 1 })]),
    );
    expect(stats.body.scoreDistribution.find((b: { range: string }) => b.range === '90-100').count).toBe(1);
    expect(stats.body.scoreDistribution.find((b: { range: string }) => b.range === '0-9').count).toBe(1);
    expect(stats.body.questions.every((q: { correctRate: number; answered: number }) => q.answered >= 1 && q.correctRate <= 1)).toBe(true);
    // A town admin of 马尚 sees only their villages.
    const town = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
    const townStats = await t.request('GET', `/api/admin/v1/quiz/contests/${id}/stats`, { token: town });
    expect(townStats.body).toMatchObject({ participants: 1, passed: 1 });
    const csv = await t.request('GET', `/api/admin/v1/quiz/contests/${id}/stats/export?format=csv`, { token: town });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.body).toContain(VILLAGE_A);
    expect(csv.body).not.toContain(VILLAGE_C);
    const xlsx = await fetch(`${t.url}/api/admin/v1/quiz/contests/${id}/stats/export?format=xlsx`, { headers: { authorization: `Bearer ${town}` } });
    expect(
      Buffer.from(await xlsx.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
    expect(await AuditLog(t.db).countDocuments({ action: 'quiz.contest.stats_export', targetId: id })).toBe(2);
  });

  test('when a submission is implausibly fast, then staff see it flagged and it earns no certificate', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 1, attemptsTotal: 1 });
    const p = await residentLogin(t, 'fast', { village: VILLAGE_A, realName: '孙快' });
    const att = await start(p.token, id);
    t.clock.advance(1_000);
    const res = await submit(p.token, att.body.id, await rightAnswers(t, att.body.id));
    expect(res.body).toMatchObject({ score: 100, tooFast: true, certificateCode: null });
    const flagged = await t.request('GET', `/api/admin/v1/quiz/contests/${id}/flagged`, { token: admin });
    expect(flagged.body.items).toEqual([
      expect.objectContaining({ attemptId: att.body.id, name: '孙*', score: 100, durationMs: 1000, villageName: '东村', review: null }),
    ]);
  });

  test('when staff clear a too-fast submission, then it is decided once, earns its certificate and is audited; confirming keeps it out', async () => {
    const id = await createContest(t, admin, { attemptsPerDay: 1, attemptsTotal: 1 });
    const [fast, cheat] = await Promise.all([residentLogin(t, 'fast-ok', { village: VILLAGE_A }), residentLogin(t, 'fast-no', { village: VILLAGE_B })]);
    const ids: string[] = [];
    for (const p of [fast, cheat]) {
      const att = await start(p.token, id);
      t.clock.advance(1_000);
      await submit(p.token, att.body.id, await rightAnswers(t, att.body.id));
      ids.push(att.body.id);
    }
    const review = (token: string, attemptId: string, decision: string) =>
      t.request('POST', `/api/admin/v1/quiz/contests/${id}/flagged/${attemptId}/review`, { token, body: { decision } });
    // A town admin does not manage the district's contest; a village worker cannot decide.
    expect((await review((await staffLogin(t, 'town_admin', '370303-Z-ND')).token, ids[0]!, 'cleared')).status).toBe(403);
    expect((await review((await staffLogin(t, 'village_worker', VILLAGE_A)).token, ids[0]!, 'cleared')).status).toBe(403);
    expect((await review(admin, ids[0]!, 'maybe')).status).toBe(400);
    const cleared = await review(admin, ids[0]!, 'cleared');
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ decision: 'cleared', certificateCode: expect.any(String) });
    expect((await review(admin, ids[0]!, 'confirmed')).body.error.code).toBe('FLAG_REVIEWED');
    expect((await review(admin, ids[1]!, 'confirmed')).body).toMatchObject({ decision: 'confirmed', certificateCode: null });
    expect(await Certificates(t.db).countDocuments({ contestId: id })).toBe(1);
    const pending = await t.request('GET', `/api/admin/v1/quiz/contests/${id}/flagged?status=pending`, { token: admin });
    expect(pending.body.items).toEqual([]);
    const all = await t.request('GET', `/api/admin/v1/quiz/contests/${id}/flagged`, { token: admin });
    expect(all.body.items.map((i: { review: { decision: string } }) => i.review.decision).sort()).toEqual(['cleared', 'confirmed']);
    expect(await AuditLog(t.db).countDocuments({ action: { $in: ['quiz.flag.clear', 'quiz.flag.confirm'] }, targetId: { $in: ids } })).toBe(2);
    await refreshLeaderboards(t.app); // the worker's task keeps the boards
    const board = await t.request('GET', `/api/v1/quiz/contests/${id}/leaderboard?scope=district`, { token: fast.token });
    expect(board.body.participants).toBe(1);
  });
});

describe('staff lists', () => {
  test('the contest list pages on the server and filters by status and title; the bank filters by type and stem words', async () => {
    const town = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
    const a = await createContest(t, town, { areaCode: TOWN_MS, title: '马尚春季竞赛' });
    const b = await createContest(t, town, { areaCode: TOWN_MS, title: '马尚秋季竞赛' }, false);
    const drafts = await t.request('GET', '/api/admin/v1/quiz/contests?status=draft&q=马尚', { token: town });
    expect(drafts.body.items.map((c: { id: string }) => c.id)).toEqual([b]);
    const page1 = await t.request('GET', '/api/admin/v1/quiz/contests?limit=1&q=马尚', { token: town });
    expect(page1.body.items.map((c: { id: string }) => c.id)).toEqual([b]);
    const page2 = await t.request('GET', `/api/admin/v1/quiz/contests?limit=1&q=马尚&cursor=${page1.body.nextCursor}`, { token: town });
    expect(page2.body.items.map((c: { id: string }) => c.id)).toEqual([a]);
    const judge = await t.request('GET', '/api/admin/v1/quiz/questions?type=judge&limit=100', { token: admin });
    expect(judge.body.items.length).toBeGreaterThan(0);
    expect(judge.body.items.every((q: { type: string }) => q.type === 'judge')).toBe(true);
    const word = judge.body.items[0].stem.slice(2, 6);
    const found = await t.request('GET', `/api/admin/v1/quiz/questions?q=${encodeURIComponent(word)}&limit=100`, { token: admin });
    expect(found.body.items.length).toBeGreaterThan(0);
    expect(found.body.items.every((q: { stem: string }) => q.stem.includes(word))).toBe(true);
  });
});
