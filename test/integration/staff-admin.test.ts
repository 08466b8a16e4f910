import ExcelJS from 'exceljs';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Sessions } from '../../src/modules/sessions/sessions.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';

let t: TestApp;
let district: { token: string; id: string };
let msAdmin: { token: string; id: string };
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  district = await staffLogin(t, 'district_admin', '370303', 'root-admin');
  msAdmin = await staffLogin(t, 'town_admin', TOWN_MS, 'ms-town');
}, 60_000);
afterAll(() => t.close());

const login = async (username: string, password = 'correct-horse-battery') => t.request('POST', '/api/admin/v1/auth/login', { body: { username, password } });
const me = async (token: string) => (await t.request('GET', '/api/admin/v1/me', { token })).status;

describe('logout', () => {
  test('when a staff member logs out, then that token is revoked server-side, other sessions stay, and it is audited', async () => {
    const s = await staffLogin(t, 'village_worker', VILLAGE_A, 'logout-1');
    const other = await login('logout-1');
    const res = await t.request('POST', '/api/admin/v1/auth/logout', { token: s.token });
    expect(res.status).toBe(204);
    expect(await me(s.token)).toBe(401);
    expect(await me(other.body.token)).toBe(200);
    expect(await AuditLog(t.db).countDocuments({ action: 'staff.logout', actorId: s.id })).toBe(1);
  });

  test('when logout is called without a token, then 401', async () => {
    expect((await t.request('POST', '/api/admin/v1/auth/logout')).status).toBe(401);
  });
});

describe('sessions end when the password changes or the account is disabled', () => {
  test('when I change my password, then every other session ends at once, I get a fresh token, and the old password fails', async () => {
    const s = await staffLogin(t, 'village_worker', VILLAGE_A, 'changer');
    const phone = await login('changer');
    const res = await t.request('POST', '/api/admin/v1/me/password', {
      token: s.token,
      body: { currentPassword: 'correct-horse-battery', newPassword: 'a-brand-new-pass' },
    });
    expect(res.status).toBe(200);
    expect(await me(s.token)).toBe(401);
    expect(await me(phone.body.token)).toBe(401);
    expect(await me(res.body.token)).toBe(200);
    expect((await login('changer')).status).toBe(401);
    expect((await login('changer', 'a-brand-new-pass')).status).toBe(200);
    expect(await AuditLog(t.db).countDocuments({ action: 'staff.password_change', actorId: s.id })).toBe(1);
  });

  test('when the current password is wrong, then 400 beside the field and nothing changes', async () => {
    const s = await staffLogin(t, 'village_worker', VILLAGE_A, 'changer-2');
    const res = await t.request('POST', '/api/admin/v1/me/password', {
      token: s.token,
      body: { currentPassword: 'not-my-password', newPassword: 'a-brand-new-pass' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'WRONG_PASSWORD', details: [{ path: 'currentPassword' }] });
    expect(await me(s.token)).toBe(200);
    expect((await login('changer-2')).status).toBe(200);
  });

  test('when the new password is short, then a field error in Chinese', async () => {
    const s = await staffLogin(t, 'village_worker', VILLAGE_A, 'changer-3');
    const res = await t.request('POST', '/api/admin/v1/me/password', {
      token: s.token,
      body: { currentPassword: 'correct-horse-battery', newPassword: 'short' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'newPassword', message: '密码至少 10 位' }]);
  });

  test('when a district admin disables an account, then all its sessions end at once and stay ended after it is enabled again', async () => {
    const s = await staffLogin(t, 'town_admin', TOWN_ND, 'nd-town');
    const second = await login('nd-town');
    const off = await t.request('POST', `/api/admin/v1/staff/${s.id}/disable`, { token: district.token });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: s.id, disabled: true });
    expect(await me(s.token)).toBe(401);
    expect(await me(second.body.token)).toBe(401);
    expect((await login('nd-town')).status).toBe(401);
    const on = await t.request('POST', `/api/admin/v1/staff/${s.id}/enable`, { token: district.token });
    expect(on.body.disabled).toBe(false);
    expect(await me(s.token)).toBe(401);
    expect(await Sessions(t.db).countDocuments({ subjectId: s.id, revokedAt: { $exists: false } })).toBe(0);
    expect((await login('nd-town')).status).toBe(200);
    expect(await AuditLog(t.db).countDocuments({ action: { $in: ['staff.disable', 'staff.enable'] }, targetId: s.id, actorId: district.id })).toBe(2);
  });

  test('when a manager resets a password, then every session of that person ends and only the new password works', async () => {
    const w = await staffLogin(t, 'village_worker', VILLAGE_B, 'reset-me');
    const res = await t.request('POST', `/api/admin/v1/staff/${w.id}/reset-password`, { token: msAdmin.token, body: { password: 'given-by-the-town' } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|scrypt/);
    expect(await me(w.token)).toBe(401);
    expect((await login('reset-me')).status).toBe(401);
    expect((await login('reset-me', 'given-by-the-town')).status).toBe(200);
    expect(await AuditLog(t.db).countDocuments({ action: 'staff.password_reset', targetId: w.id, actorId: msAdmin.id })).toBe(1);
  });
});

describe('staff management scope', () => {
  test('when a district admin lists staff, then everyone, newest first, paginated, without password hashes', async () => {
    const page1 = await t.request('GET', '/api/admin/v1/staff?limit=2', { token: district.token });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await t.request('GET', `/api/admin/v1/staff?limit=100&cursor=${page1.body.nextCursor}`, { token: district.token });
    const all = [...page1.body.items, ...page2.body.items].map((s: { username: string }) => s.username);
    expect(all).toEqual(expect.arrayContaining(['root-admin', 'ms-town', 'nd-town']));
    expect(JSON.stringify(page1.body)).not.toMatch(/passwordHash|scrypt/);
  });

  test('when a town admin lists staff, then only their town; filters by role and name work', async () => {
    await createStaff(t.app, { username: 'c-worker', password: 'c-worker-pass-1', role: 'village_worker', areaCode: VILLAGE_C });
    await createStaff(t.app, { username: 'a-worker', password: 'a-worker-pass-1', role: 'village_worker', areaCode: VILLAGE_A, displayName: '王小红' });
    const res = await t.request('GET', '/api/admin/v1/staff?limit=100', { token: msAdmin.token });
    const names = res.body.items.map((s: { username: string }) => s.username);
    expect(names).toContain('a-worker');
    expect(names).not.toContain('c-worker');
    expect(names).not.toContain('root-admin');
    const byName = await t.request('GET', `/api/admin/v1/staff?q=${encodeURIComponent('小红')}&role=village_worker`, { token: msAdmin.token });
    expect(byName.body.items.map((s: { username: string }) => s.username)).toEqual(['a-worker']);
    expect((await t.request('GET', `/api/admin/v1/staff?areaCode=${TOWN_ND}`, { token: msAdmin.token })).status).toBe(403);
  });

  test('when a village worker asks for the staff list, then 403', async () => {
    const w = await staffLogin(t, 'village_worker', VILLAGE_A);
    expect((await t.request('GET', '/api/admin/v1/staff', { token: w.token })).status).toBe(403);
  });

  test('when a town admin acts on another town, on a peer or on themselves, then refused and nothing changes', async () => {
    const c = await staffLogin(t, 'village_worker', VILLAGE_C, 'c-worker-2');
    const peer = await staffLogin(t, 'town_admin', TOWN_MS, 'ms-town-2');
    expect((await t.request('POST', `/api/admin/v1/staff/${c.id}/disable`, { token: msAdmin.token })).status).toBe(404);
    expect((await t.request('POST', `/api/admin/v1/staff/${peer.id}/disable`, { token: msAdmin.token })).status).toBe(403);
    expect((await t.request('POST', `/api/admin/v1/staff/${msAdmin.id}/disable`, { token: msAdmin.token })).status).toBe(403);
    expect(
      (await t.request('POST', `/api/admin/v1/staff/${district.id}/reset-password`, { token: msAdmin.token, body: { password: 'take-over-123' } })).status,
    ).toBe(404);
    expect(await me(c.token)).toBe(200);
    expect(await me(peer.token)).toBe(200);
    expect(await me(district.token)).toBe(200);
  });

  test('when a district admin tries to disable themselves, then 403 with a clear message', async () => {
    const res = await t.request('POST', `/api/admin/v1/staff/${district.id}/disable`, { token: district.token });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('不能对自己的账号进行此操作');
  });
});

describe('audit log filters', () => {
  test('when filtered by the acting username and a time window, then only those entries', async () => {
    const since = new Date(t.clock.now().getTime() - 60_000).toISOString();
    const res = await t.request('GET', `/api/admin/v1/audit?actorName=ms-town&action=staff.password_reset&from=${encodeURIComponent(since)}`, {
      token: district.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBe(1);
    expect(res.body.items[0]).toMatchObject({ actorName: 'ms-town', action: 'staff.password_reset', details: { username: 'reset-me' } });
    const before = await t.request('GET', `/api/admin/v1/audit?actorName=ms-town&to=${encodeURIComponent(since)}&action=staff.password_reset`, {
      token: district.token,
    });
    expect(before.body.items).toEqual([]);
    expect((await t.request('GET', '/api/admin/v1/audit?from=yesterday', { token: district.token })).status).toBe(400);
  });
});

describe('audit log by area, and its export', () => {
  test('when filtered by area, then only actions of staff of that area; a town admin reads their own town only', async () => {
    const ndAdmin = await staffLogin(t, 'town_admin', TOWN_ND, 'nd-town-audit');
    const worker = await staffLogin(t, 'village_worker', VILLAGE_A, 'audit-va-worker');
    const byArea = await t.request('GET', `/api/admin/v1/audit?area=${VILLAGE_A}&action=staff.login`, { token: district.token });
    expect(byArea.body.items.map((i: { actorName: string }) => i.actorName)).toContain('audit-va-worker');
    expect(new Set(byArea.body.items.map((i: { areaCode: string }) => i.areaCode))).toEqual(new Set([VILLAGE_A]));
    const town = await t.request('GET', '/api/admin/v1/audit?action=staff.login', { token: msAdmin.token });
    expect(town.status).toBe(200);
    const names = new Set(town.body.items.map((i: { actorName: string }) => i.actorName));
    expect(names.has('audit-va-worker')).toBe(true);
    expect(names.has('ms-town')).toBe(true);
    expect(names.has('nd-town-audit')).toBe(false);
    expect(names.has('root-admin')).toBe(false);
    // Another town's admin sees none of 马尚街道's records, even asking for its area.
    const other = await t.request('GET', `/api/admin/v1/audit?area=${VILLAGE_A}`, { token: ndAdmin.token });
    expect(other.body.items).toEqual([]);
    const w = await t.request('GET', '/api/admin/v1/audit', { token: worker.token });
    expect(w.status).toBe(403);
  });

  test('when the filtered log is exported, then the workbook holds those rows and the export is itself audited', async () => {
    const res = await fetch(`${t.url}/api/admin/v1/audit/export.xlsx?area=${VILLAGE_A}&action=staff.login`, {
      headers: { authorization: `Bearer ${msAdmin.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).getCell(1).value).toBe('时间（北京时间）');
    const rows = ws.getSheetValues().slice(2).filter(Boolean) as unknown[][];
    expect(rows.map((r) => r[2])).toContain('audit-va-worker');
    expect(new Set(rows.map((r) => `${String(r[3])} ${String(r[4])}`))).toEqual(new Set([`${VILLAGE_A} staff.login`]));
    const listed = await t.request('GET', `/api/admin/v1/audit?area=${VILLAGE_A}&action=staff.login&limit=100`, { token: msAdmin.token });
    expect(rows.length).toBe(listed.body.items.length);
    const log = await AuditLog(t.db).findOne({ action: 'audit.export' }).sort({ _id: -1 }).lean();
    expect(log).toMatchObject({
      actorName: 'ms-town',
      details: { rowCount: rows.length, filters: { area: VILLAGE_A, action: 'staff.login' } },
      areaPath: ['370303', TOWN_MS],
    });
    const nd = await staffLogin(t, 'town_admin', TOWN_ND, 'nd-town-export');
    const none = await fetch(`${t.url}/api/admin/v1/audit/export.xlsx?area=${VILLAGE_A}`, { headers: { authorization: `Bearer ${nd.token}` } });
    const empty = new ExcelJS.Workbook();
    await empty.xlsx.load(Buffer.from(await none.arrayBuffer()) as never);
    expect(empty.worksheets[0]!.rowCount).toBe(1);
  });
});
