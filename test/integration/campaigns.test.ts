import { AuditLog } from '../../src/modules/audit/audit.model';
import { Campaigns } from '../../src/modules/campaigns/campaigns.model';
import { Outbox } from '../../src/notify/outbox.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { boundGroups, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';

let t: TestApp;
let groupA: string;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  groupA = (await boundGroups(t, VILLAGE_A, ['东村一组群']))[0]!;
});
afterAll(() => t.close());

const body = (over: Record<string, unknown> = {}) => ({
  title: '春季义诊',
  text: '三月一日村委会义诊',
  targets: { areaCodes: [VILLAGE_A] },
  schedule: { kind: 'cron', cron: '0 9 * * 1' },
  ...over,
});

describe('campaign API', () => {
  test('when the input is malformed, then 400 names the field and nothing is stored', async () => {
    const { token } = await staffLogin(t, 'village_worker', VILLAGE_A);
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [body({ schedule: { kind: 'cron', cron: '0 25 * * *' } }), 'INVALID_CRON', 'schedule.cron'],
      [body({ targets: {} }), 'NO_TARGETS', 'targets'],
      [body({ targets: { areaCodes: ['370303-XX-NONE'] } }), 'INVALID_AREA', 'targets.areaCodes'],
      [body({ targets: { roomIds: ['not-an-id'] } }), 'INVALID_ROOM', 'targets.roomIds'],
      [body({ extra: 1 }), 'VALIDATION_FAILED', ''],
      [body({ card: { title: '答题', pagePath: 'https://evil.example' } }), 'VALIDATION_FAILED', 'card.pagePath'],
      [body({ quietHours: '25:00-07:00' }), 'INVALID_QUIET_HOURS', 'quietHours'],
    ];
    for (const [b, code, path] of cases) {
      const res = await t.request('POST', '/api/admin/v1/campaigns', { token, body: b });
      expect([res.status, res.body.error.code, res.body.error.details?.[0]?.path]).toEqual([400, code, path]);
    }
    expect((await t.request('GET', '/api/admin/v1/campaigns', { token })).body.items).toEqual([]);
  });

  test('when a reviewer rejects, then the draft returns to its author with the reason audited', async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A);
    const town = await staffLogin(t, 'town_admin', TOWN_MS);
    const c = await t.request('POST', '/api/admin/v1/campaigns', { token: worker.token, body: body(), headers: { 'idempotency-key': 'campaign-create-0001' } });
    const again = await t.request('POST', '/api/admin/v1/campaigns', {
      token: worker.token,
      body: body(),
      headers: { 'idempotency-key': 'campaign-create-0001' },
    });
    expect(again.body.id).toBe(c.body.id);
    await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: worker.token });
    const r = await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/reject`, { token: town.token, body: { reason: '时间写错了' } });
    expect(r.body.status).toBe('draft');
    const log = await AuditLog(t.db).findOne({ action: 'campaign.draft', targetId: c.body.id }).lean();
    expect(log?.details).toMatchObject({ from: 'pending_review', rejected: '时间写错了' });
  });

  test('when staff of another town list or open campaigns, then they do not see them', async () => {
    const town = await staffLogin(t, 'town_admin', TOWN_MS);
    const c = await t.request('POST', '/api/admin/v1/campaigns', { token: town.token, body: body() });
    const nd = await staffLogin(t, 'town_admin', TOWN_ND);
    expect((await t.request('GET', `/api/admin/v1/campaigns/${c.body.id}`, { token: nd.token })).status).toBe(404);
    expect((await t.request('GET', '/api/admin/v1/campaigns', { token: nd.token })).body.items).toEqual([]);
    const district = await staffLogin(t, 'district_admin', '370303');
    const list = await t.request('GET', '/api/admin/v1/campaigns?status=draft', { token: district.token });
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(c.body.id);
  });

  test('when a village worker broadcasts, then it waits for review instead of going out', async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A);
    const res = await t.request('POST', '/api/admin/v1/broadcasts', { token: worker.token, body: { text: '明天停水', targets: { all: true } } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'broadcast', status: 'pending_review', schedule: { kind: 'now' } });
  });

  test('when a district admin approves their own broadcast, then 403 and it waits; another district admin approves, audited with both', async () => {
    const boss = await staffLogin(t, 'district_admin', '370303');
    const other = await staffLogin(t, 'district_admin', '370303');
    const res = await t.request('POST', '/api/admin/v1/broadcasts', { token: boss.token, body: { text: '寒潮预警，注意保暖', targets: { all: true } } });
    expect(res.body.status).toBe('pending_review');
    const own = await t.request('POST', `/api/admin/v1/campaigns/${res.body.id}/approve`, { token: boss.token });
    expect([own.status, own.body.error.code]).toEqual([403, 'OWN_CAMPAIGN']);
    expect((await t.request('GET', `/api/admin/v1/campaigns/${res.body.id}`, { token: boss.token })).body.status).toBe('pending_review');
    const ok = await t.request('POST', `/api/admin/v1/campaigns/${res.body.id}/approve`, { token: other.token });
    expect(ok.body).toMatchObject({ createdBy: boss.id, approvedBy: other.id });
    const log = await AuditLog(t.db).findOne({ action: 'campaign.approved', targetId: res.body.id }).lean();
    expect(log).toMatchObject({ actorId: other.id, details: { from: 'pending_review', author: boss.id } });
  });

  test("when a district admin approves a town admin's campaign, then it is approved", async () => {
    const town = await staffLogin(t, 'town_admin', TOWN_MS);
    const boss = await staffLogin(t, 'district_admin', '370303');
    const c = await t.request('POST', '/api/admin/v1/campaigns', { token: town.token, body: body() });
    await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: town.token });
    expect((await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/approve`, { token: town.token })).status).toBe(403);
    expect((await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/approve`, { token: boss.token })).body).toMatchObject({
      status: 'approved',
      approvedBy: boss.id,
    });
  });

  test('when a broadcast reaches no bound group, then it is refused beside the target field and nothing is stored', async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_B);
    const before = await Campaigns(t.db).countDocuments();
    const queued = await Outbox(t.db).countDocuments();
    const res = await t.request('POST', '/api/admin/v1/broadcasts', { token: worker.token, body: { text: '明天停水', targets: { all: true } } });
    expect([res.status, res.body.error.code, res.body.error.details]).toEqual([422, 'NO_GROUPS', [{ path: 'targets', message: res.body.error.message }]]);
    expect(res.body.error.message).toContain('还没有绑定的微信群');
    expect(await Campaigns(t.db).countDocuments()).toBe(before);
    expect(await Outbox(t.db).countDocuments()).toBe(queued);
  });

  test('when a campaign reaches no bound group, then its draft is kept but submitting it is refused', async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_B);
    const c = await t.request('POST', '/api/admin/v1/campaigns', { token: worker.token, body: body({ targets: { all: true } }) });
    expect(c.status).toBe(201);
    const sub = await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: worker.token });
    expect([sub.status, sub.body.error.code]).toEqual([422, 'NO_GROUPS']);
    expect((await t.request('GET', `/api/admin/v1/campaigns/${c.body.id}`, { token: worker.token })).body.status).toBe('draft');
  });

  test('when the only group is unbound after a broadcast was requested, then approval is refused instead of "finishing" with no group', async () => {
    const town = await staffLogin(t, 'town_admin', TOWN_ND);
    const boss = await staffLogin(t, 'district_admin', '370303');
    const [room] = await boundGroups(t, VILLAGE_C, ['南村群']);
    const b = await t.request('POST', '/api/admin/v1/broadcasts', { token: town.token, body: { text: '今晚停电', targets: { areaCodes: [VILLAGE_C] } } });
    expect(b.body.status).toBe('pending_review');
    expect((await t.request('DELETE', `/api/admin/v1/bot/rooms/${room}`, { token: town.token })).status).toBe(200);
    const ok = await t.request('POST', `/api/admin/v1/campaigns/${b.body.id}/approve`, { token: boss.token });
    expect([ok.status, ok.body.error.code]).toEqual([422, 'NO_GROUPS']);
    expect((await t.request('GET', `/api/admin/v1/campaigns/${b.body.id}`, { token: boss.token })).body.status).toBe('pending_review');
    expect(await Outbox(t.db).countDocuments({ 'source.campaignId': b.body.id })).toBe(0);
  });

  test('when targets are previewed, then the reached groups are counted within the scope and nothing is stored', async () => {
    const town = await staffLogin(t, 'town_admin', TOWN_MS);
    await boundGroups(t, VILLAGE_B, ['西村群']);
    const reach = async (targets: Record<string, unknown>, token = town.token) =>
      t.request('POST', '/api/admin/v1/campaigns/reach', { token, body: { targets } });
    expect((await reach({ areaCodes: [TOWN_MS] })).body.groups).toBe(2);
    expect((await reach({ areaCodes: [VILLAGE_A] })).body).toEqual({
      groups: 1,
      areas: [{ code: VILLAGE_A, name: '马尚街道东村' }],
      rooms: [{ id: groupA, topic: '东村一组群', areaCode: VILLAGE_A, areaName: '东村' }],
    });
    expect((await reach({ roomIds: [groupA] })).body.groups).toBe(1);
    expect((await reach({ all: true })).body.groups).toBe(2);
    expect((await reach({ areaCodes: [VILLAGE_C] })).status).toBe(403);
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A);
    expect((await reach({ all: true }, worker.token)).body.groups).toBe(1);
    const rules = await t.request('GET', '/api/admin/v1/campaigns/sending-rules', { token: worker.token });
    expect(rules.body).toMatchObject({ timeZone: 'Asia/Shanghai', quietHours: t.app.config.quietHours ? expect.any(String) : null });
  });

  test("when a rejected draft is rewritten by its author and resubmitted, then the reviewer's note is shown until then", async () => {
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A);
    const town = await staffLogin(t, 'town_admin', TOWN_MS);
    const c = await t.request('POST', '/api/admin/v1/campaigns', { token: worker.token, body: body() });
    expect(c.body).toMatchObject({ createdByName: expect.any(String), reviewNote: null, approvedByName: null });
    await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: worker.token });
    await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/reject`, { token: town.token, body: { reason: '请写明地点' } });
    expect((await t.request('GET', `/api/admin/v1/campaigns/${c.body.id}`, { token: worker.token })).body).toMatchObject({
      status: 'draft',
      reviewNote: '请写明地点',
    });
    expect((await t.request('PUT', `/api/admin/v1/campaigns/${c.body.id}`, { token: town.token, body: body() })).status).toBe(403);
    const past = await t.request('PUT', `/api/admin/v1/campaigns/${c.body.id}`, {
      token: worker.token,
      body: body({ schedule: { kind: 'once', at: '2020-01-01T00:00:00Z' } }),
    });
    expect([past.status, past.body.error.details[0].path]).toEqual([400, 'schedule.at']);
    const edited = await t.request('PUT', `/api/admin/v1/campaigns/${c.body.id}`, {
      token: worker.token,
      body: body({ text: '三月一日在村委会大院义诊', schedule: { kind: 'cron', cron: '30 8 * * *' } }),
    });
    expect(edited.body).toMatchObject({ text: '三月一日在村委会大院义诊', schedule: { kind: 'cron', cron: '30 8 * * *' } });
    expect((await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: worker.token })).body).toMatchObject({
      status: 'pending_review',
      reviewNote: null,
    });
    expect((await t.request('GET', `/api/admin/v1/campaigns/${c.body.id}/reach`, { token: town.token })).body.groups).toBe(1);
    const queue = await t.request('GET', '/api/admin/v1/campaigns?status=pending_review&kind=campaign', { token: town.token });
    expect(queue.body.items.map((i: { id: string }) => i.id)).toContain(c.body.id);
    const mine = await t.request('GET', '/api/admin/v1/campaigns?mine=true', { token: town.token });
    expect(mine.body.items).toEqual([]);
  });

  test('when the OpenAPI document is read, then the campaign and bot routes are described', async () => {
    const res = await t.request('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    for (const p of [
      '/api/admin/v1/campaigns',
      '/api/admin/v1/campaigns/{id}/approve',
      '/api/admin/v1/broadcasts',
      '/api/admin/v1/bot/status',
      '/api/admin/v1/bot/bind-codes',
    ]) {
      expect(Object.keys(res.body.paths)).toContain(p);
    }
  });
});
