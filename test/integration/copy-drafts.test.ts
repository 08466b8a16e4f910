import { AuditLog } from '../../src/modules/audit/audit.model';
import { Campaigns } from '../../src/modules/campaigns/campaigns.model';
import { Outbox } from '../../src/notify/outbox.model';
import { Contests } from '../../src/modules/quiz/quiz.model';
import { Registrations, Talks } from '../../src/modules/talks/talks.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { boundGroups, residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A } from '../helpers/fixtures';
import { createContest, seedQuestionBank } from '../helpers/quiz';
import { publishedTalk } from '../helpers/talks';

jest.setTimeout(60_000);

let t: TestApp;
let ms: { token: string; id: string };
let nd: { token: string; id: string };
const DAY = 86_400_000;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  await seedQuestionBank(t.app);
  await boundGroups(t, VILLAGE_A, ['东村一组群']);
  ms = await staffLogin(t, 'town_admin', TOWN_MS, 'copy-ms');
  nd = await staffLogin(t, 'town_admin', TOWN_ND, 'copy-nd');
}, 60_000);
afterAll(() => t.close());

const contestsBase = '/api/admin/v1/quiz/contests';

describe('quiz contest drafts', () => {
  test('when a draft is deleted, then it is gone and audited; staff of another town and a published contest are refused and nothing changes', async () => {
    const draft = await createContest(t, ms.token, { areaCode: TOWN_MS, title: '马尚草稿竞赛' }, false);
    expect((await t.request('DELETE', `${contestsBase}/${draft}`, { token: nd.token })).status).toBe(403);
    expect(await Contests(t.db).countDocuments({ _id: draft })).toBe(1);
    const published = await createContest(t, ms.token, { areaCode: TOWN_MS });
    const refused = await t.request('DELETE', `${contestsBase}/${published}`, { token: ms.token });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('CONTEST_NOT_EDITABLE');
    expect(await Contests(t.db).countDocuments({ _id: published })).toBe(1);
    expect((await t.request('DELETE', `${contestsBase}/not-an-id`, { token: ms.token })).status).toBe(400);
    const res = await t.request('DELETE', `${contestsBase}/${draft}`, { token: ms.token });
    expect(res.status).toBe(204);
    expect(await Contests(t.db).countDocuments({ _id: draft })).toBe(0);
    expect(await AuditLog(t.db).findOne({ action: 'quiz.contest.delete', targetId: draft }).lean()).toMatchObject({
      actorId: ms.id,
      details: { title: '马尚草稿竞赛' },
    });
    expect((await t.request('GET', `${contestsBase}/${draft}`, { token: ms.token })).status).toBe(404);
  });

  test('when a past contest is copied, then the draft keeps its rules, starts after now with the same length, and is audited; another town cannot copy it', async () => {
    const now = t.clock.now().getTime();
    const past = await createContest(t, ms.token, {
      areaCode: TOWN_MS,
      title: '去年的竞赛',
      startAt: new Date(now - 10 * DAY).toISOString(),
      endAt: new Date(now - 3 * DAY).toISOString(),
      passScore: 70,
    });
    expect((await t.request('POST', `${contestsBase}/${past}/copy`, { token: nd.token })).status).toBe(403);
    const res = await t.request('POST', `${contestsBase}/${past}/copy`, { token: ms.token });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: '去年的竞赛（副本）',
      status: 'draft',
      areaCode: TOWN_MS,
      passScore: 70,
      drawRules: [{ tags: ['hl66-2024'], count: 5 }],
    });
    const start = new Date(res.body.startAt).getTime();
    expect(start).toBeGreaterThan(now);
    expect(start - now).toBeLessThanOrEqual(DAY);
    expect(new Date(res.body.endAt).getTime() - start).toBe(7 * DAY);
    expect((await Contests(t.db).findById(res.body.id).lean())!.reservedQuestionIds).toBeUndefined();
    expect(await AuditLog(t.db).findOne({ action: 'quiz.contest.copy', targetId: res.body.id }).lean()).toMatchObject({
      actorId: ms.id,
      details: { from: past },
    });
    expect(await AuditLog(t.db).countDocuments({ action: 'quiz.contest.copy', actorId: nd.id })).toBe(0);
  });
});

describe('copying a talk', () => {
  test('when a past session with registrations is copied, then the draft has its texts and rules, no registrations, and dates ahead; another town is refused', async () => {
    const talk = await publishedTalk(t, ms.token, { capacity: 30, waitlistCap: 5 });
    const { token } = await residentLogin(t, 'copy-r1', { village: VILLAGE_A, consent: true, realName: '张三' });
    expect(
      (await t.request('POST', `/api/v1/talks/${talk.id}/registrations`, { token, body: {}, headers: { 'idempotency-key': 'copy-talk-reg-0001' } })).status,
    ).toBe(201);
    t.clock.advance(5 * DAY);
    try {
      const [ms, nd] = [await staffLogin(t, 'town_admin', TOWN_MS), await staffLogin(t, 'town_admin', TOWN_ND)];
      expect((await t.request('POST', `/api/admin/v1/talks/${talk.id}/copy`, { token: nd.token })).status).toBe(403);
      const res = await t.request('POST', `/api/admin/v1/talks/${talk.id}/copy`, { token: ms.token });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ title: `${talk.body.title}（副本）`, status: 'draft', venue: talk.body.venue, capacity: 30 });
      expect((await Talks(t.db).findById(res.body.id).lean())!.waitlistCap).toBe(5);
      expect(res.body.checkinScene).not.toBe(talk.checkinScene);
      const now = t.clock.now().getTime();
      expect(new Date(res.body.startAt).getTime()).toBeGreaterThan(now);
      expect(new Date(res.body.endAt).getTime() - new Date(res.body.startAt).getTime()).toBe(
        new Date(talk.body.endAt).getTime() - new Date(talk.body.startAt).getTime(),
      );
      expect(new Date(res.body.startAt).toISOString().slice(11)).toBe(new Date(talk.body.startAt).toISOString().slice(11));
      expect(await Registrations(t.db).countDocuments({ talkId: res.body.id })).toBe(0);
      expect(await Talks(t.db).countDocuments({ title: /（副本）$/ })).toBe(1);
      expect(await AuditLog(t.db).findOne({ action: 'talk.copy', targetId: res.body.id }).lean()).toMatchObject({ actorId: ms.id, details: { from: talk.id } });
    } finally {
      t.clock.advance(-5 * DAY);
    }
  });
});

describe('copying a campaign', () => {
  test('when a sent one-off campaign is copied, then a new draft of mine with its text and targets and a time ahead; another town is refused', async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A, 'copy-w');
    const at = new Date(t.clock.now().getTime() + 3600_000).toISOString();
    const c = await t.request('POST', '/api/admin/v1/campaigns', {
      token: worker.token,
      body: { title: '春季义诊', text: '三月一日村委会义诊', targets: { areaCodes: [VILLAGE_A] }, schedule: { kind: 'once', at } },
    });
    expect(c.status).toBe(201);
    t.clock.advance(2 * DAY);
    try {
      const [ms, nd] = [await staffLogin(t, 'town_admin', TOWN_MS), await staffLogin(t, 'town_admin', TOWN_ND)];
      expect((await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/copy`, { token: nd.token })).status).toBe(404);
      const res = await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/copy`, { token: ms.token });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        title: '春季义诊（副本）',
        text: '三月一日村委会义诊',
        status: 'draft',
        targets: { areaCodes: [VILLAGE_A] },
        schedule: { kind: 'once' },
      });
      expect(new Date(res.body.schedule.at).getTime()).toBeGreaterThan(t.clock.now().getTime());
      const copy = (await Campaigns(t.db).findById(res.body.id).lean())!;
      expect(copy).toMatchObject({ createdBy: ms.id, areaCode: TOWN_MS });
      expect(copy.approvedBy).toBeUndefined();
      expect(await AuditLog(t.db).findOne({ action: 'campaign.copy', targetId: res.body.id }).lean()).toMatchObject({
        actorId: ms.id,
        details: { from: c.body.id },
      });
      expect(await Campaigns(t.db).countDocuments({ title: /（副本）$/ })).toBe(1);
    } finally {
      t.clock.advance(-2 * DAY);
    }
  });
});

describe('copying a broadcast', () => {
  test('when a sent broadcast is copied, then a broadcast draft of mine that sends nothing until I submit it and another approves it', async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A, 'copy-bw');
    const town = await staffLogin(t, 'town_admin', TOWN_MS, 'copy-bt');
    const sent = await t.request('POST', '/api/admin/v1/broadcasts', {
      token: worker.token,
      body: { text: '明早八点村委会免费量血压', targets: { areaCodes: [VILLAGE_A] } },
    });
    expect(sent.status).toBe(201);
    expect((await t.request('POST', `/api/admin/v1/campaigns/${sent.body.id}/approve`, { token: town.token })).status).toBe(200);
    const outbox = () => Outbox(t.db).countDocuments({ 'source.campaignId': { $exists: true } });
    const queued = await outbox();
    expect(queued).toBeGreaterThan(0);

    expect((await t.request('POST', `/api/admin/v1/campaigns/${sent.body.id}/copy`, { token: nd.token })).status).toBe(404);
    const res = await t.request('POST', `/api/admin/v1/campaigns/${sent.body.id}/copy`, { token: worker.token });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'broadcast',
      title: '广播：明早八点村委会免费量血压（副本）',
      text: '明早八点村委会免费量血压',
      status: 'draft',
      targets: { areaCodes: [VILLAGE_A] },
      schedule: { kind: 'now' },
    });
    expect(await AuditLog(t.db).findOne({ action: 'campaign.copy', targetId: res.body.id }).lean()).toMatchObject({ actorId: worker.id });

    // Its author rewrites it as a broadcast (not as a scheduled campaign); nobody else may.
    const put = (token: string, body: object) => t.request('PUT', `/api/admin/v1/broadcasts/${res.body.id}`, { token, body });
    const body = { text: '下周一早八点村委会免费量血压', targets: { areaCodes: [VILLAGE_A] } };
    expect((await put(town.token, body)).status).toBe(403);
    const asCampaign = await t.request('PUT', `/api/admin/v1/campaigns/${res.body.id}`, {
      token: worker.token,
      body: { title: '改成定时', ...body, schedule: { kind: 'once', at: new Date(t.clock.now().getTime() + 3600_000).toISOString() } },
    });
    expect(asCampaign.status).toBe(409);
    const edited = await put(worker.token, body);
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ kind: 'broadcast', title: '广播：下周一早八点村委会免费量血压', status: 'draft', schedule: { kind: 'now' } });
    expect(await outbox()).toBe(queued); // a draft sends nothing

    expect((await t.request('POST', `/api/admin/v1/campaigns/${res.body.id}/submit`, { token: worker.token })).body.status).toBe('pending_review');
    expect((await t.request('POST', `/api/admin/v1/campaigns/${res.body.id}/approve`, { token: town.token })).status).toBe(200);
    expect(await outbox()).toBe(2 * queued); // approved: out at once, to the same groups
  });
});
