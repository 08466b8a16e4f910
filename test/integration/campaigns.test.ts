import { AuditLog } from '../../src/modules/audit/audit.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A } from '../helpers/fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
});
afterAll(() => t.close());

const body = (over: Record<string, unknown> = {}) => ({ title: '春季义诊', text: '三月一日村委会义诊', targets: { areaCodes: [VILLAGE_A] }, schedule: { kind: 'cron', cron: '0 9 * * 1' }, ...over });

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
    const again = await t.request('POST', '/api/admin/v1/campaigns', { token: worker.token, body: body(), headers: { 'idempotency-key': 'campaign-create-0001' } });
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

  test('when a district admin approves a town admin\'s campaign, then it is approved', async () => {
    const town = await staffLogin(t, 'town_admin', TOWN_MS);
    const boss = await staffLogin(t, 'district_admin', '370303');
    const c = await t.request('POST', '/api/admin/v1/campaigns', { token: town.token, body: body() });
    await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: town.token });
    expect((await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/approve`, { token: town.token })).status).toBe(403);
    expect((await t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/approve`, { token: boss.token })).body).toMatchObject({ status: 'approved', approvedBy: boss.id });
  });

  test('when the OpenAPI document is read, then the campaign and bot routes are described', async () => {
    const res = await t.request('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    for (const p of ['/api/admin/v1/campaigns', '/api/admin/v1/campaigns/{id}/approve', '/api/admin/v1/broadcasts', '/api/admin/v1/bot/status', '/api/admin/v1/bot/bind-codes']) {
      expect(Object.keys(res.body.paths)).toContain(p);
    }
  });
});
