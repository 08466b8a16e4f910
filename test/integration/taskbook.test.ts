import { Types } from 'mongoose';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Staff } from '../../src/modules/staff/staff.model';
import { queueTaskbookReminders, queueWeeklySummary } from '../../src/modules/taskbook/reminders';
import { Rectifications, TaskbookPhotos } from '../../src/modules/taskbook/taskbook.model';
import { Outbox } from '../../src/notify/outbox.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { rightAnswers, seedQuestionBank } from '../helpers/quiz';
import { PNG_1PX } from '../helpers/selections';
import { publishedTalk } from '../helpers/talks';

jest.setTimeout(240_000);

let t: TestApp;
const base = '/api/admin/v1/taskbook';
const users: Record<string, { username: string; id: string }> = {};
let bookId: string;
const task = { talks: '', quiz: '', residents: '', evidence: '' };

const tokens = new Map<string, { token: string; at: number }>();
/** A token, signed in again once the clock has moved on by hours (it moves by months here, past any token's life). */
async function tok(who: string): Promise<string> {
  const now = t.clock.now().getTime();
  const held = tokens.get(who);
  if (held && now - held.at < 6 * 3600_000 && now >= held.at) return held.token;
  const res = await t.request('POST', '/api/admin/v1/auth/login', { body: { username: users[who]!.username, password: 'correct-horse-battery' } });
  expect(res.status).toBe(200);
  tokens.set(who, { token: res.body.token, at: now });
  return res.body.token;
}
const as = async (who: string, method: string, path: string, body?: unknown) => t.request(method, `${base}${path}`, { token: await tok(who), body });

async function progressOf(who: string, town = TOWN_MS) {
  const res = await as(who, 'GET', `/books/${bookId}/progress`);
  expect(res.status).toBe(200);
  return res.body.towns.find((x: { code: string }) => x.code === town);
}
const taskIn = (town: { tasks: Array<{ taskId: string }> }, id: string) => town.tasks.find((x) => x.taskId === id) as any;

beforeAll(async () => {
  t = await startTestApp({ now: '2027-03-01T02:00:00Z' });
  await seedVillages(t);
  await seedQuestionBank(t.app);
  for (const [who, role, area] of [
    ['district', 'district_admin', '370303'],
    ['ms', 'town_admin', TOWN_MS],
    ['nd', 'town_admin', TOWN_ND],
    ['worker', 'village_worker', VILLAGE_A],
  ] as const) {
    const s = await staffLogin(t, role, area, `tb-${who}`);
    users[who] = { username: `tb-${who}`, id: s.id };
    await Staff(t.db).updateOne({ _id: new Types.ObjectId(s.id) }, { $set: { wechatId: `wx-${who}` } });
  }
});
afterAll(() => t.close());

describe('the task book', () => {
  test('when the district builds the year’s book, then figure tasks name a report figure, evidence tasks none, and only the district may write it', async () => {
    const metrics = await as('district', 'GET', '/metrics');
    const keys = metrics.body.items.map((m: { key: string }) => m.key);
    expect(keys).toEqual(expect.arrayContaining(['residents.registered', 'quiz.participation', 'talks.held', 'literacy.latest.n']));
    expect(metrics.body.items.find((m: { key: string }) => m.key === 'quiz.participation')).toMatchObject({ label: '知识竞赛参与率', percent: true });
    // Figures other modules give their sections are targets too, with no code here: screening participants, answers on time.
    expect(keys).toEqual(expect.arrayContaining(['screenings.cervical.screened', 'consult.onTimeRate']));
    expect(metrics.body.items.find((m: { key: string }) => m.key === 'consult.onTimeRate')).toMatchObject({ percent: true });
    // The book's own figures are not a target (they come after every other section).
    expect(keys.some((k: string) => k.startsWith('taskbook.'))).toBe(false);

    expect((await as('ms', 'POST', '/books', { year: 2027, title: '2027年任务书' })).status).toBe(403);
    const created = await as('district', 'POST', '/books', { year: 2027, title: '2027年家庭健康行动任务书' });
    expect(created.status).toBe(201);
    bookId = created.body.id;
    expect((await as('district', 'POST', '/books', { year: 2027, title: '再建一本' })).body.error.code).toBe('TASKBOOK_EXISTS');

    const add = (body: Record<string, unknown>) => as('district', 'POST', `/books/${bookId}/tasks`, body);
    const talks = await add({
      group: 'publicity',
      title: '每个镇街举办健康讲座',
      kind: 'figure',
      metric: 'talks.held',
      target: 2,
      startOn: '2027-01-01',
      dueOn: '2027-06-30',
    });
    expect(talks.status).toBe(201);
    task.talks = talks.body.id;
    task.quiz = (
      await add({
        group: 'publicity',
        title: '知识竞赛参与率达到 40%',
        kind: 'figure',
        metric: 'quiz.participation',
        target: 0.4,
        startOn: '2027-01-01',
        dueOn: '2027-11-30',
      })
    ).body.id;
    task.residents = (
      await add({
        group: 'science',
        title: '居民登记',
        kind: 'figure',
        metric: 'residents.registered',
        target: 100,
        townTargets: [{ townCode: TOWN_MS, target: 3 }],
        startOn: '2027-03-01',
        dueOn: '2027-12-31',
      })
    ).body.id;
    const evidence = await add({ group: 'care', title: '建立计生特殊家庭联系人制度', kind: 'evidence', startOn: '2027-01-01', dueOn: '2027-03-05' });
    expect(evidence.body).toMatchObject({ kind: 'evidence', metric: null, target: null, kindLabel: '材料佐证' });
    task.evidence = evidence.body.id;

    const unknown = await add({
      group: 'projects',
      title: '筛查人数',
      kind: 'figure',
      metric: 'screening.participants',
      target: 300,
      startOn: '2027-01-01',
      dueOn: '2027-12-31',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('UNKNOWN_METRIC');
    const noTarget = await add({ group: 'projects', title: '报名', kind: 'figure', metric: 'talks.signUps', startOn: '2027-01-01', dueOn: '2027-12-31' });
    expect(noTarget.body.error.message).toContain('目标值');

    // Unpublished: a town sees nothing yet.
    expect((await as('ms', 'GET', '/books?year=2027')).body.book).toBeNull();
    expect((await as('district', 'POST', `/books/${bookId}/publish`)).body.status).toBe('published');
    expect((await as('district', 'POST', `/books/${bookId}/publish`)).body.error.code).toBe('TASKBOOK_PUBLISHED');
    expect((await as('district', 'DELETE', `/books/${bookId}/tasks/${task.talks}`)).status).toBe(409);

    const mine = await as('ms', 'GET', '/books?year=2027');
    expect(mine.body.tasks.find((x: { id: string }) => x.id === task.residents)).toMatchObject({ target: 3, townTargets: [], towns: [TOWN_MS] });
    const theirs = await as('nd', 'GET', '/books?year=2027');
    expect(theirs.body.tasks.find((x: { id: string }) => x.id === task.residents)).toMatchObject({ target: 100 });
    expect((await as('worker', 'GET', '/books?year=2027')).status).toBe(403);
  });
});

describe('progress from the platform’s own figures', () => {
  test('when residents sign up, take the quiz and sessions are held through the real APIs, then the town’s and villages’ progress moves', async () => {
    const before = await progressOf('ms');
    expect(taskIn(before, task.residents)).toMatchObject({ value: 0, target: 3, gap: 3, status: 'on_track' });
    expect(taskIn(before, task.quiz)).toMatchObject({ value: null, target: 0.4 });

    const residents = [
      await residentLogin(t, 'tb-r1', { village: VILLAGE_A }),
      await residentLogin(t, 'tb-r2', { village: VILLAGE_A }),
      await residentLogin(t, 'tb-r3', { village: VILLAGE_B }),
    ];
    await residentLogin(t, 'tb-r4', { village: VILLAGE_C });
    const submitDaily = async (token: string) => {
      const d = await t.request('GET', '/api/v1/quiz/daily', { token });
      const id = d.body.attempt.id as string;
      expect((await t.request('POST', `/api/v1/quiz/attempts/${id}/submit`, { token, body: { answers: await rightAnswers(t, id) } })).status).toBe(200);
    };
    await submitDaily(residents[0]!.token);
    const town = await t.request('POST', '/api/admin/v1/auth/login', { body: { username: users.ms!.username, password: 'correct-horse-battery' } });
    const talk = await publishedTalk(t, town.body.token, { areaCode: TOWN_MS }, 1);
    const reg = await t.request('POST', `/api/v1/talks/${talk.id}/registrations`, {
      token: residents[1]!.token,
      headers: { 'idempotency-key': 'tb-registration-1' },
      body: { seats: 1 },
    });
    expect(reg.status).toBe(201);
    t.clock.advance(3 * 3600_000);

    const mid = await progressOf('ms');
    expect(taskIn(mid, task.residents)).toMatchObject({ value: 3, gap: 0, status: 'done', statusLabel: '已完成' });
    expect(taskIn(mid, task.quiz)).toMatchObject({ value: 0.3333, gap: 0.0667 });
    expect(taskIn(mid, task.talks)).toMatchObject({ value: 1, target: 2, gap: 1 });
    // Per village: a count's target is shared among the town's villages, a ratio holds for each.
    const villages = Object.fromEntries(taskIn(mid, task.residents).villages.map((v: { code: string }) => [v.code, v]));
    expect(villages[VILLAGE_A]).toMatchObject({ value: 2, target: 2, status: 'done' });
    expect(villages[VILLAGE_B]).toMatchObject({ value: 1, target: 2, gap: 1 });
    expect(taskIn(mid, task.quiz).villages.find((v: { code: string }) => v.code === VILLAGE_A)).toMatchObject({ value: 0.5, target: 0.4, status: 'done' });

    await submitDaily(residents[2]!.token);
    const after = await progressOf('ms');
    expect(taskIn(after, task.quiz)).toMatchObject({ value: 0.6667, gap: 0, status: 'done' });
    expect(after.done).toBe(2);

    // The other town's figures are its own.
    const nd = await progressOf('nd', TOWN_ND);
    expect(taskIn(nd, task.residents)).toMatchObject({ value: 1, target: 100 });
  });

  test('when a town admin asks for progress, then only its own town comes back', async () => {
    const res = await as('ms', 'GET', `/books/${bookId}/progress`);
    expect(res.body.towns.map((x: { code: string }) => x.code)).toEqual([TOWN_MS]);
    const all = await as('district', 'GET', `/books/${bookId}/progress`);
    expect(all.body.towns.length).toBeGreaterThan(1);
  });
});

describe('the town’s plan', () => {
  test('when a town plans on its timeline, then the district returns or approves it, and no town sees another’s plan', async () => {
    const item = { taskId: task.talks, startOn: '2027-03-01', endOn: '2027-06-30', villages: [VILLAGE_A] };
    const wrongVillage = await as('ms', 'PUT', `/books/${bookId}/plans/mine`, { items: [{ ...item, villages: [VILLAGE_C] }] });
    expect(wrongVillage.status).toBe(400);
    const late = await as('ms', 'PUT', `/books/${bookId}/plans/mine`, { items: [{ ...item, endOn: '2027-07-31' }] });
    expect(late.body.error.message).toContain('2027-06-30');
    expect((await as('ms', 'PUT', `/books/${bookId}/plans/mine`, { items: [item], note: '三月起每月一场' })).body.status).toBe('draft');
    const submitted = await as('ms', 'POST', `/books/${bookId}/plans/mine/submit`);
    expect(submitted.body.status).toBe('submitted');
    expect((await as('ms', 'PUT', `/books/${bookId}/plans/mine`, { items: [item] })).body.error.code).toBe('PLAN_LOCKED');
    const planId = submitted.body.id;

    expect((await as('nd', 'POST', `/plans/${planId}/decision`, { to: 'approved' })).status).toBe(403);
    expect((await as('district', 'POST', `/plans/${planId}/decision`, { to: 'returned' })).status).toBe(400);
    expect((await as('district', 'POST', `/plans/${planId}/decision`, { to: 'returned', note: '请把南片村居也排上' })).body).toMatchObject({
      status: 'returned',
      decisionNote: '请把南片村居也排上',
    });
    await as('ms', 'PUT', `/books/${bookId}/plans/mine`, { items: [{ ...item, villages: [VILLAGE_A, VILLAGE_B] }] });
    await as('ms', 'POST', `/books/${bookId}/plans/mine/submit`);
    expect((await as('district', 'POST', `/plans/${planId}/decision`, { to: 'approved' })).body.status).toBe('approved');

    const ndPlans = await as('nd', 'GET', `/books/${bookId}/plans`);
    expect(ndPlans.body.items).toEqual([expect.objectContaining({ townCode: TOWN_ND, plan: null })]);
    const all = await as('district', 'GET', `/books/${bookId}/plans`);
    expect(all.body.items.find((x: { townCode: string }) => x.townCode === TOWN_MS).plan).toMatchObject({
      status: 'approved',
      items: [expect.objectContaining({ villages: [VILLAGE_A, VILLAGE_B] })],
    });
  });
});

describe('evidence tasks', () => {
  test('when a town hands in evidence with a photo, then the district returns it, the town hands it in again and the district accepts it', async () => {
    const first = await as('ms', 'POST', `/tasks/${task.evidence}/evidence`, { note: '已在各村明确联系人，名单附后' });
    expect(first.body).toMatchObject({ status: 'submitted', statusLabel: '待验收' });
    const evId = first.body.id;
    const photo = await as('ms', 'POST', `/evidence/${evId}/photos`, { dataBase64: PNG_1PX });
    expect(photo.status).toBe(201);
    expect(JSON.stringify(await TaskbookPhotos(t.db).findById(photo.body.id).lean())).not.toContain(PNG_1PX);
    expect((await t.request('GET', `${base}/evidence/${evId}/photos/${photo.body.id}`, { token: await tok('nd') })).status).toBe(404);
    const seen = await fetch(`${t.url}${base}/evidence/${evId}/photos/${photo.body.id}`, { headers: { authorization: `Bearer ${await tok('district')}` } });
    expect(seen.status).toBe(200);
    expect(Buffer.from(await seen.arrayBuffer()).toString('base64')).toBe(PNG_1PX);
    expect((await as('nd', 'GET', `/tasks/${task.evidence}/evidence`)).body.items).toEqual([]);
    expect(taskIn(await progressOf('ms'), task.evidence)).toMatchObject({ status: 'submitted' });

    expect((await as('district', 'POST', `/evidence/${evId}/decision`, { to: 'returned', note: '缺少联系人签字的名单' })).body.status).toBe('returned');
    expect((await as('district', 'POST', `/evidence/${evId}/decision`, { to: 'accepted' })).body.error.code).toBe('INVALID_STATUS');
    expect((await as('ms', 'POST', `/tasks/${task.evidence}/evidence`, { note: '补交签字名单' })).body.status).toBe('submitted');
    expect((await as('district', 'POST', `/evidence/${evId}/decision`, { to: 'accepted' })).body.status).toBe('accepted');
    expect((await as('ms', 'POST', `/tasks/${task.evidence}/evidence`, { note: '再交一次' })).body.error.code).toBe('EVIDENCE_ACCEPTED');
    expect(taskIn(await progressOf('ms'), task.evidence)).toMatchObject({ status: 'done' });
  });
});

describe('reminders', () => {
  test('when the clock reaches May and a town lags the pace by more than the margin, then its admin gets one private message that day; the start page says it', async () => {
    t.clock.set('2027-05-20T00:30:00Z');
    const r1 = await queueTaskbookReminders(t.app);
    expect(r1.queued).toBeGreaterThanOrEqual(2);
    const ms = await Outbox(t.db)
      .findOne({ key: `taskbook:behind:${users.ms!.id}:2027-05-20` })
      .lean();
    expect(ms).toMatchObject({ channel: 'room', payload: expect.objectContaining({ contactId: 'wx-ms' }) });
    const text = (ms!.payload as { text: string }).text;
    expect(text).toContain('马尚');
    expect(text).toContain('“每个镇街举办健康讲座”当前 1，目标 2，还差 1');
    // Accepted evidence and targets met are not mentioned.
    expect(text).not.toContain('联系人制度');
    expect(text).not.toContain('居民登记');
    const nd = await Outbox(t.db)
      .findOne({ key: `taskbook:behind:${users.nd!.id}:2027-05-20` })
      .lean();
    expect((nd!.payload as { text: string }).text).toContain('联系人制度');
    expect((nd!.payload as { text: string }).text).not.toContain('马尚');
    expect((await queueTaskbookReminders(t.app)).queued).toBe(0);

    const card = await as('ms', 'GET', '/alerts');
    expect(card.body.items).toEqual([expect.objectContaining({ kind: 'behind', text: expect.stringContaining('还差 1') })]);
    const district = await as('district', 'GET', '/alerts');
    expect(district.body.items.map((i: { text: string }) => i.text)).toEqual(expect.arrayContaining([expect.stringContaining('马尚')]));

    expect((await queueWeeklySummary(t.app)).queued).toBe(1);
    const weekly = await Outbox(t.db)
      .findOne({ key: `taskbook:weekly:${users.district!.id}:2027-05-20` })
      .lean();
    expect((weekly!.payload as { text: string }).text).toContain('进度落后');
  });
});

describe('supervision and rectification', () => {
  let visitId: string;
  let itemId: string;
  let lateId: string;

  test('when the district records a visit with photos and findings, then rectification items go to their owners and another town sees none of it', async () => {
    const wrong = await as('district', 'POST', '/visits', {
      areaCode: TOWN_MS,
      on: '2027-05-19',
      inspectors: '区卫健局 王科长',
      checked: '讲座台账',
      findings: '台账不全',
      rectifications: [{ title: '补齐台账', ownerCode: VILLAGE_C, dueOn: '2027-06-10' }],
    });
    expect(wrong.status).toBe(400);
    const v = await as('district', 'POST', '/visits', {
      areaCode: TOWN_MS,
      on: '2027-05-19',
      inspectors: '区卫健局 王科长、李干事',
      checked: '讲座签到台账、村居宣传栏',
      findings: '东村宣传栏内容未更新；讲座台账缺少照片',
      rectifications: [
        { title: '更新东村宣传栏', ownerCode: VILLAGE_A, dueOn: '2027-06-10' },
        { title: '补齐讲座台账照片', dueOn: '2027-05-25' },
      ],
    });
    expect(v.status).toBe(201);
    visitId = v.body.id;
    [itemId, lateId] = v.body.rectifications.map((r: { id: string }) => r.id);
    expect(v.body.rectifications.map((r: { ownerCode: string; statusLabel: string }) => [r.ownerCode, r.statusLabel])).toEqual([
      [VILLAGE_A, '待整改'],
      [TOWN_MS, '待整改'],
    ]);
    expect((await as('district', 'POST', `/visits/${visitId}/photos`, { dataBase64: PNG_1PX })).status).toBe(201);
    expect((await as('ms', 'POST', `/visits/${visitId}/photos`, { dataBase64: PNG_1PX })).status).toBe(403);
    expect((await as('ms', 'GET', `/visits/${visitId}`)).body.photos).toHaveLength(1);

    expect((await as('nd', 'GET', `/visits/${visitId}`)).status).toBe(404);
    expect((await as('nd', 'GET', '/visits')).body.items).toEqual([]);
    expect((await as('nd', 'GET', '/rectifications')).body.items).toEqual([]);
    expect((await as('nd', 'POST', `/rectifications/${itemId}/transitions`, { to: 'answered', text: '已更新' })).status).toBe(404);
    expect((await as('worker', 'GET', '/rectifications')).body.items.map((r: { id: string }) => r.id)).toEqual([itemId]);
  });

  test('when the owner answers, the district returns it, the owner answers again with a photo, then the district closes it on time', async () => {
    expect((await as('district', 'POST', `/rectifications/${itemId}/transitions`, { to: 'answered', text: '代答' })).status).toBe(403);
    expect((await as('worker', 'POST', `/rectifications/${itemId}/transitions`, { to: 'answered' })).status).toBe(400);
    expect((await as('worker', 'POST', `/rectifications/${itemId}/transitions`, { to: 'closed' })).status).toBe(403);
    expect((await as('worker', 'POST', `/rectifications/${itemId}/transitions`, { to: 'answered', text: '已张贴新一期宣传内容' })).body.status).toBe(
      'answered',
    );
    expect((await as('district', 'POST', `/rectifications/${itemId}/transitions`, { to: 'returned' })).status).toBe(400);
    expect((await as('district', 'POST', `/rectifications/${itemId}/transitions`, { to: 'returned', text: '请附照片' })).body.statusLabel).toBe('已退回重改');
    expect((await as('worker', 'POST', `/rectifications/${itemId}/photos`, { dataBase64: PNG_1PX })).status).toBe(201);
    expect((await as('worker', 'POST', `/rectifications/${itemId}/transitions`, { to: 'answered', text: '已附宣传栏照片' })).body.answer).toBe(
      '已附宣传栏照片',
    );
    const closed = await as('district', 'POST', `/rectifications/${itemId}/transitions`, { to: 'closed' });
    expect(closed.body).toMatchObject({ status: 'closed', closedOnTime: true, photos: [expect.any(String)] });
    expect(closed.body.history.map((h: { to: string }) => h.to)).toEqual(['open', 'answered', 'returned', 'answered', 'closed']);
    expect((await as('worker', 'POST', `/rectifications/${itemId}/transitions`, { to: 'answered', text: '再答' })).body.error.code).toBe('INVALID_TRANSITION');
  });

  test('when an item passes its deadline unanswered, then it escalates once: flagged, and the district and the owner’s town are told', async () => {
    t.clock.set('2027-05-27T00:30:00Z');
    const r = await queueTaskbookReminders(t.app);
    expect(r.escalated).toBe(1);
    expect((await Rectifications(t.db).findById(lateId).lean())!.escalatedAt).toBeDefined();
    const district = await Outbox(t.db)
      .findOne({ key: `taskbook:escalate:${users.district!.id}:2027-05-27` })
      .lean();
    expect((district!.payload as { text: string }).text).toContain('补齐讲座台账照片');
    expect(await Outbox(t.db).countDocuments({ key: `taskbook:escalate:${users.ms!.id}:2027-05-27` })).toBe(1);
    expect(await Outbox(t.db).countDocuments({ key: `taskbook:escalate:${users.nd!.id}:2027-05-27` })).toBe(0);
    expect((await queueTaskbookReminders(t.app)).escalated).toBe(0);
    const list = await as('ms', 'GET', '/rectifications?open=true');
    expect(list.body.items).toEqual([expect.objectContaining({ id: lateId, overdue: true, escalated: true })]);
  });
});

describe('coordination meetings', () => {
  test('when a meeting’s decision becomes a task for a town, then that town sees it in its book and the decision cannot become a second one', async () => {
    const m = await as('district', 'POST', '/meetings', {
      on: '2027-05-26',
      title: '第二季度家庭健康行动会商',
      attendees: ['区卫健局', '区妇联', '马尚街道', '南定镇'],
      minutes: '通报各镇街进度，研究宣传栏更新。',
      decisions: ['南定镇六月底前完成村居宣传栏全覆盖', '下次会商在八月'],
    });
    expect(m.status).toBe(201);
    const made = await as('district', 'POST', `/meetings/${m.body.id}/decisions/0/task`, { townCode: TOWN_ND, group: 'publicity', dueOn: '2027-06-30' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ title: '南定镇六月底前完成村居宣传栏全覆盖', kind: 'evidence', towns: [TOWN_ND], fromMeeting: m.body.id });
    expect(
      (await as('district', 'POST', `/meetings/${m.body.id}/decisions/0/task`, { townCode: TOWN_ND, group: 'publicity', dueOn: '2027-06-30' })).body.error.code,
    ).toBe('DECISION_HAS_TASK');
    expect((await as('nd', 'GET', '/books?year=2027')).body.tasks.map((x: { id: string }) => x.id)).toContain(made.body.id);
    expect((await as('ms', 'GET', '/books?year=2027')).body.tasks.map((x: { id: string }) => x.id)).not.toContain(made.body.id);
    const list = await as('district', 'GET', '/meetings');
    expect(list.body.items[0].decisions).toEqual([
      { index: 0, text: '南定镇六月底前完成村居宣传栏全覆盖', taskId: made.body.id },
      { index: 1, text: '下次会商在八月', taskId: null },
    ]);
    expect((await as('ms', 'GET', '/meetings')).status).toBe(403);
  });
});

describe('figures and audit', () => {
  test('when the yearly report and dashboard are read, then the towns carry targets met and findings, and the league table sheet ranks them', async () => {
    const token = await tok('district');
    const report = await t.request('GET', '/api/admin/v1/reports/yearly?year=2027', { token });
    expect(report.status).toBe(200);
    const ms = report.body.areas.find((a: { code: string }) => a.code === TOWN_MS);
    expect(ms.taskbook).toEqual({ tasks: 4, done: 3, behind: 1, findingsOpened: 2, findingsClosedOnTime: 1, findingsOverdue: 1 });
    expect(report.body.areas[0].taskbook).toMatchObject({ tasks: null, findingsOpened: 2 });
    const dash = await t.request('GET', '/api/admin/v1/dashboard?year=2027', { token });
    expect(dash.body.rows.find((r: { code: string }) => r.code === TOWN_MS).taskbook).toMatchObject({ done: 3, findingsClosedOnTime: 1 });
    const xlsx = await fetch(`${t.url}/api/admin/v1/reports/yearly?year=2027&format=xlsx`, { headers: { authorization: `Bearer ${token}` } });
    expect(xlsx.status).toBe(200);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = wb.worksheets.find((w) => w.name.includes('任务书'))!;
    expect(sheet).toBeDefined();
    expect(sheet.getRow(2).values).toEqual(expect.arrayContaining([1, TOWN_MS]));
  });

  test('when decisions were made, then each is in the audit log under its own action', async () => {
    const actions = new Set(
      (
        await AuditLog(t.db)
          .find({ action: /^(taskbook|supervision|meeting)\./ })
          .lean()
      ).map((a) => a.action),
    );
    for (const a of [
      'taskbook.create',
      'taskbook.task_add',
      'taskbook.publish',
      'taskbook.plan_save',
      'taskbook.plan_submit',
      'taskbook.plan_returned',
      'taskbook.plan_approved',
      'taskbook.evidence_submit',
      'taskbook.evidence_returned',
      'taskbook.evidence_accepted',
      'taskbook.photo_add',
      'taskbook.photo_view',
      'supervision.visit_record',
      'supervision.rectification_open',
      'supervision.rectification_answered',
      'supervision.rectification_returned',
      'supervision.rectification_closed',
      'meeting.record',
      'meeting.decision_task',
    ])
      expect([a, actions.has(a)]).toEqual([a, true]);
  });
});
