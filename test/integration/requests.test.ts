import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Requests, RequestTransitions } from '../../src/modules/requests/requests.model';
import { escalateOverdue } from '../../src/modules/requests/requests.service';
import { Staff } from '../../src/modules/staff/staff.model';
import { Outbox } from '../../src/notify/outbox.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B } from '../helpers/fixtures';

let t: TestApp;
let worker: { token: string; id: string };
let town: { token: string; id: string };
let resident: { token: string; id: string };
const password = 'correct-horse-battery';

const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(64)]).toString('base64');
const relogin = async (username: string) => (await t.request('POST', '/api/admin/v1/auth/login', { body: { username, password } })).body.token as string;

beforeAll(async () => {
  // A Monday morning.
  t = await startTestApp({ now: '2026-11-30T01:00:00Z' });
  await seedVillages(t);
  worker = await staffLogin(t, 'village_worker', VILLAGE_A, 'worker-a');
  town = await staffLogin(t, 'town_admin', TOWN_MS, 'town-ms');
  await Staff(t.db).updateOne({ _id: new Types.ObjectId(town.id) }, { $set: { wechatId: 'wx-town-ms' } });
  resident = await residentLogin(t, 'raiser', { village: VILLAGE_A });
}, 120_000);
afterAll(() => t.close());

test('a request the village does not answer in five working days is escalated to the town by the clock, then replied, reopened, closed', async () => {
  const raised = await t.request('POST', '/api/v1/requests', {
    token: resident.token,
    body: { kind: 'neighbour_dispute', text: '邻居家装修占用了公共通道，沟通多次无果。' },
  });
  expect(raised.status).toBe(201);
  expect(raised.body).toMatchObject({ status: 'submitted', level: 'village', dueDay: '2026-12-07', steps: [expect.objectContaining({ status: 'submitted' })] });
  const id = raised.body.id as string;
  expect((await t.request('POST', `/api/v1/requests/${id}/photos`, { token: resident.token, body: { dataBase64: png() } })).status).toBe(201);

  // The village worker sees it masked in the list, in full (audited) on its page, and accepts it.
  const list = await t.request('GET', '/api/admin/v1/requests', { token: worker.token });
  expect(list.body.items).toEqual([expect.objectContaining({ id, kindLabel: '邻里纠纷', statusLabel: '已提交，待村居受理' })]);
  expect(JSON.stringify(list.body)).not.toContain('公共通道');
  const full = await t.request('GET', `/api/admin/v1/requests/${id}`, { token: worker.token, headers: { 'x-request-id': 'request-view-1' } });
  expect(full.body).toMatchObject({ text: expect.stringContaining('公共通道'), allowedNext: ['in_progress', 'escalated', 'replied'] });
  expect(await AuditLog(t.db).countDocuments({ requestId: 'request-view-1', action: 'request.view_full' })).toBe(1);
  expect((await t.request('GET', `/api/admin/v1/requests/${id}/photos/${full.body.photos[0].id}`, { token: worker.token })).status).toBe(200);
  const accepted = await t.request('POST', `/api/admin/v1/requests/${id}/transitions`, {
    token: worker.token,
    body: { to: 'in_progress', note: '已上门了解情况' },
  });
  expect(accepted.body.status).toBe('in_progress');

  // Scope: a worker of the next village and the admin of another town do not reach it.
  const otherWorker = await staffLogin(t, 'village_worker', VILLAGE_B);
  expect((await t.request('GET', `/api/admin/v1/requests/${id}`, { token: otherWorker.token })).status).toBe(404);
  const otherTown = await staffLogin(t, 'town_admin', TOWN_ND);
  expect((await t.request('GET', `/api/admin/v1/requests/${id}`, { token: otherTown.token })).status).toBe(404);
  expect((await t.request('GET', '/api/admin/v1/requests', { token: otherTown.token })).body.items).toEqual([]);
  const expert = await staffLogin(t, 'expert', '370303');
  expect((await t.request('GET', '/api/admin/v1/requests', { token: expert.token })).status).toBe(403);

  // Friday: still within five working days.
  t.clock.advance(4 * 24 * 3600_000);
  expect((await escalateOverdue(t.app)).escalated).toBe(0);
  // The next Monday after the due time: escalated, and the town admin is told.
  t.clock.advance(3 * 24 * 3600_000 + 3600_000);
  expect((await escalateOverdue(t.app)).escalated).toBe(1);
  expect((await escalateOverdue(t.app)).escalated).toBe(0);
  expect(await Requests(t.db).findById(id).lean()).toMatchObject({ status: 'escalated', level: 'town' });
  expect(await Outbox(t.db).countDocuments({ key: `request:${id}:escalated:${town.id}`, channel: 'room' })).toBe(1);

  worker.token = await relogin('worker-a');
  town.token = await relogin('town-ms');
  resident = await residentLogin(t, 'raiser');
  expect((await t.request('POST', `/api/admin/v1/requests/${id}/transitions`, { token: worker.token, body: { to: 'replied', reply: '已协调' } })).status).toBe(
    403,
  );
  expect((await t.request('POST', `/api/admin/v1/requests/${id}/transitions`, { token: town.token, body: { to: 'replied' } })).status).toBe(400);
  const replied = await t.request('POST', `/api/admin/v1/requests/${id}/transitions`, {
    token: town.token,
    body: { to: 'replied', reply: '镇司法所已约双方调解，通道三日内清理。' },
  });
  expect(replied.body.status).toBe('replied');

  // Every step is visible to the resident with its date; the subscribe notices follow each step.
  const seen = await t.request('GET', `/api/v1/requests/${id}`, { token: resident.token });
  expect(seen.body.steps.map((s: { status: string }) => s.status)).toEqual(['submitted', 'in_progress', 'escalated', 'replied']);
  expect(seen.body.steps[2]).toMatchObject({ by: '系统', note: expect.stringContaining('自动转镇街') });
  expect(seen.body.steps[3]).toMatchObject({ reply: '镇司法所已约双方调解，通道三日内清理。', at: expect.any(String) });
  expect(await Outbox(t.db).countDocuments({ channel: 'subscribe', 'payload.templateKey': 'request_status' })).toBe(3);

  // Not satisfied: reopened with the rating; it goes back to the town, which replies again; then closed.
  expect((await t.request('POST', `/api/v1/requests/${id}/reopen`, { token: resident.token, body: { rating: 2 } })).status).toBe(400);
  const reopened = await t.request('POST', `/api/v1/requests/${id}/reopen`, { token: resident.token, body: { rating: 2, note: '通道还是没清理' } });
  expect(reopened.body).toMatchObject({ status: 'reopened', level: 'town', rating: 2 });
  expect((await t.request('POST', `/api/v1/requests/${id}/close`, { token: resident.token, body: { rating: 5 } })).body.error.code).toBe('REQUEST_NOT_REPLIED');
  await t.request('POST', `/api/admin/v1/requests/${id}/transitions`, { token: town.token, body: { to: 'replied', reply: '通道已清理完毕。' } });
  const closed = await t.request('POST', `/api/v1/requests/${id}/close`, { token: resident.token, body: { rating: 5 } });
  expect(closed.body).toMatchObject({ status: 'closed', rating: 5, canRate: false });
  expect(await Requests(t.db).findById(id).lean()).toMatchObject({ reopenCount: 1, closedAt: expect.any(Date) });

  const figures = await t.request('GET', '/api/admin/v1/dashboard?year=2026', { token: town.token });
  expect(figures.status).toBe(200);
  const row = figures.body.rows.find((r: { code: string }) => r.code === TOWN_MS);
  expect(row.requests).toMatchObject({ total: 1, escalated: 1, averageRating: 5 });
});

test('村规民约: a village publishes versions, residents read the current one, the village sees how many have read it', async () => {
  const first = await t.request('POST', '/api/admin/v1/village-rules', {
    token: worker.token,
    body: { villageCode: VILLAGE_A, title: '东村村规民约', text: '一、爱党爱国，遵纪守法。二、移风易俗，婚事新办。' },
  });
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({ current: { version: 1 }, read: 0 });
  expect(
    (
      await t.request('POST', '/api/admin/v1/village-rules', {
        token: worker.token,
        body: { villageCode: VILLAGE_B, title: '西村', text: '一、邻里和睦，互帮互助。' },
      })
    ).status,
  ).toBe(403);
  const read = await t.request('GET', '/api/v1/village-rules', { token: resident.token });
  expect(read.body).toMatchObject({ version: 1, title: '东村村规民约' });
  await t.request('GET', '/api/v1/village-rules', { token: resident.token });
  expect((await t.request('GET', `/api/admin/v1/village-rules?villageCode=${VILLAGE_A}`, { token: worker.token })).body).toMatchObject({
    read: 1,
    households: 1,
  });

  await t.request('POST', '/api/admin/v1/village-rules', {
    token: worker.token,
    body: { villageCode: VILLAGE_A, title: '东村村规民约（修订）', text: '一、爱党爱国，遵纪守法。二、移风易俗，婚事新办，丧事简办。' },
  });
  const status = await t.request('GET', `/api/admin/v1/village-rules?villageCode=${VILLAGE_A}`, { token: town.token });
  expect(status.body).toMatchObject({
    current: { version: 2 },
    read: 0,
    versions: [expect.objectContaining({ version: 2 }), expect.objectContaining({ version: 1 })],
  });
});

test('erasing the resident removes their words and the replies about them; kind, steps and ratings stay', async () => {
  const erase = await t.request('DELETE', '/api/v1/me', { token: resident.token });
  expect(erase.status).toBeLessThan(300);
  const rows = await Requests(t.db)
    .find({ residentId: new Types.ObjectId(resident.id) })
    .lean();
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((r) => !r.detailEnc && r.personalErasedAt && r.rating)).toBe(true);
  expect(await RequestTransitions(t.db).countDocuments({ requestId: { $in: rows.map((r) => r._id) }, replyEnc: { $exists: true } })).toBe(0);
});
