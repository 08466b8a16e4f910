import { BotRooms } from '../../src/modules/campaigns/rooms.model';
import { createBindCode } from '../../src/modules/campaigns/rooms.service';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { callerFor, staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { backoffMs } from '../../src/bot/supervisor';
import { waitFor, World } from './world';

let w: World;
beforeAll(async () => {
  w = await World.create();
});
afterAll(() => w.close());

describe('binding groups to villages', () => {
  test('when a staff member makes a code and a resident posts 绑定 <code> in a group, then the group is bound and the bot confirms', async () => {
    const { token } = await staffLogin(w.t, 'village_worker', VILLAGE_A);
    const made = await w.t.request('POST', '/api/admin/v1/bot/bind-codes', { token, body: { areaCode: VILLAGE_A } });
    expect(made.status).toBe(201);
    expect(made.body.code).toMatch(/^[2-9A-HJ-NP-Z]{6}$/);
    const resident = w.contact('张大爷');
    const room = w.room('东村健康群', [resident]);
    resident.say(`绑定 ${made.body.code}`).to(room);
    await waitFor(() => w.said(room.id).length === 1);
    expect(w.said(room.id)[0]).toContain('绑定成功');
    expect(w.said(room.id)[0]).toContain('马尚街道东村');
    const doc = await BotRooms(w.t.db).findOne({ wxRoomId: room.id }).lean();
    expect(doc).toMatchObject({ topic: '东村健康群', areaCode: VILLAGE_A, active: true, boundBy: { contactId: resident.id, code: made.body.code } });
    expect(await AuditLog(w.t.db).countDocuments({ action: 'bot.bind_code.create' })).toBe(1);
  });

  test('when a used, unknown or out-of-scope code is tried, then nothing is bound', async () => {
    const staff = await w.staff('town_admin', TOWN_MS);
    const { code } = await createBindCode(w.t.app, callerFor(w.t, staff), VILLAGE_B);
    const a = w.contact('甲');
    const first = w.room('西村一群', [a]);
    const second = w.room('西村二群', [a]);
    a.say(`绑定 ${code}`).to(first);
    await waitFor(() => w.said(first.id).length === 1);
    a.say(`绑定 ${code}`).to(second);
    a.say('绑定 ZZZZZZ').to(second);
    await waitFor(() => w.said(second.id).length === 2);
    expect(w.said(second.id).sort()).toEqual(['这个绑定码已经用过了，请向工作人员重新索取。', '绑定码不正确，请向工作人员重新索取。'].sort());
    expect(await BotRooms(w.t.db).countDocuments({ wxRoomId: second.id })).toBe(0);
    await expect(createBindCode(w.t.app, callerFor(w.t, staff), VILLAGE_C)).rejects.toMatchObject({ status: 403 });
  });

  test('when a bound group posts a new code, then it is rebound to the new village', async () => {
    const { room } = await w.boundRoom('搬迁群', VILLAGE_A);
    const { code } = await createBindCode(w.t.app, callerFor(w.t, await w.staff('district_admin', '370303')), VILLAGE_C);
    const r = w.contact('乙');
    r.say(`绑定 ${code}`).to(room);
    await waitFor(() => w.said(room.id).length === 1);
    expect(w.said(room.id)[0]).toContain('改为关联「南定镇南村」');
    expect(await BotRooms(w.t.db).findOne({ wxRoomId: room.id }).lean()).toMatchObject({ areaCode: VILLAGE_C, active: true });
  });

  test('when staff list and unbind groups, then they see only their area and an unbound group is inactive', async () => {
    const { doc } = await w.boundRoom('南村群', VILLAGE_C);
    const town = await staffLogin(w.t, 'town_admin', TOWN_MS);
    const list = await w.t.request('GET', '/api/admin/v1/bot/rooms', { token: town.token });
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(list.body.items.every((r: { areaCode: string }) => r.areaCode.startsWith(TOWN_MS))).toBe(true);
    const one = await w.t.request('GET', `/api/admin/v1/bot/rooms?areaCode=${VILLAGE_A}`, { token: town.token });
    expect(one.body.items.length).toBeGreaterThan(0);
    expect(one.body.items.every((r: { areaCode: string }) => r.areaCode === VILLAGE_A)).toBe(true);
    expect((await w.t.request('GET', `/api/admin/v1/bot/rooms?areaCode=${VILLAGE_C}`, { token: town.token })).body.items).toEqual([]);
    expect((await w.t.request('DELETE', `/api/admin/v1/bot/rooms/${doc._id}`, { token: town.token })).status).toBe(403);
    const nd = await staffLogin(w.t, 'village_worker', VILLAGE_C);
    const del = await w.t.request('DELETE', `/api/admin/v1/bot/rooms/${doc._id}`, { token: nd.token });
    expect(del.status).toBe(200);
    expect(del.body.active).toBe(false);
  });

  test('when the group is renamed, then the record follows; when the bot is removed, then the group is inactive', async () => {
    const { room, doc } = await w.boundRoom('旧名字群', VILLAGE_B);
    const someone = w.contact('丙');
    room.topic('新名字群').by(someone);
    await waitFor(async () => (await BotRooms(w.t.db).findById(doc._id).lean())?.topic === '新名字群');
    room.remove(w.me).by(someone);
    await waitFor(async () => (await BotRooms(w.t.db).findById(doc._id).lean())?.active === false);
    expect((await BotRooms(w.t.db).findById(doc._id).lean())?.attention).toBe('bot_removed');
  });

  test('when staff ask for the bot status, then they see the state and account, not a stale QR', async () => {
    const { token } = await staffLogin(w.t, 'village_worker', VILLAGE_A);
    const res = await w.t.request('GET', '/api/admin/v1/bot/status', { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'logged_in', qr: null, account: { id: w.me.id, name: '健康小助手' } });
    expect((await w.t.request('GET', '/api/admin/v1/bot/status')).status).toBe(401);
  });
});

describe('bot process', () => {
  test('when the reconnect delay is drawn, then it doubles from about 1 s and stops at 5 min', () => {
    const bounds = { minMs: 1000, maxMs: 300_000 };
    expect(backoffMs(0, bounds, () => 1)).toBe(1000);
    expect(backoffMs(3, bounds, () => 1)).toBe(8000);
    expect(backoffMs(3, bounds, () => 0)).toBe(4000);
    expect(backoffMs(20, bounds, () => 1)).toBe(300_000);
  });

  test('when the account is logged out, then staff see it with the reason and the bot restarts itself', async () => {
    const { token } = await staffLogin(w.t, 'district_admin', '370303');
    await w.mocker.puppet.logout('手机端退出');
    await waitFor(async () => (await w.t.request('GET', '/api/admin/v1/bot/status', { token })).body.state === 'logged_out');
    const down = await w.t.request('GET', '/api/admin/v1/bot/status', { token });
    expect(down.body.lastError.message).toContain('logged out');
    await waitFor(async () => (await w.t.request('GET', '/api/admin/v1/bot/status', { token })).body.reconnects === 1, 5000);
  });
});
