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

const login = async (username: string, password = 'correct-horse-battery') =>
  t.request('POST', '/api/admin/v1/auth/login', { body: { username, password } });
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
    const res = await t.request('POST', '/api/admin/v1/me/password', { token: s.token, body: { currentPassword: 'correct-horse-battery', newPassword: 'a-brand-new-pass' } });
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
    const res = await t.request('POST', '/api/admin/v1/me/password', { token: s.token, body: { currentPassword: 'not-my-password', newPassword: 'a-brand-new-pass' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'WRONG_PASSWORD', details: [{ path: 'currentPassword' }] });
    expect(await me(s.token)).toBe(200);
    expect((await login('changer-2')).status).toBe(200);
  });

  test('when the new password is short, then a field error in Chinese', async () => {
    const s = await staffLogin(t, 'village_worker', VILLAGE_A, 'changer-3');
    const res = await t.request('POST', '/api/admin/v1/me/password', { token: s.token, body: { currentPassword: 'correct-horse-battery', newPassword: 'short' } });
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
    await createStaff(t.app, { username: 'c-worker', password: 'x'.repeat(12), role: 'village_worker', areaCode: VILLAGE_C });
    await createStaff(t.app, { username: 'a-worker', password: 'x'.repeat(12), role: 'village_worker', areaCode: VILLAGE_A, displayName: '王小红' });
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
    expect((await t.request('POST', `/api/admin/v1/staff/${district.id}/reset-password`, { token: msAdmin.token, body: { password: 'take-over-123' } })).status).toBe(404);
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
    const res = await t.request('GET', `/api/admin/v1/audit?actorName=ms-town&action=staff.password_reset&from=${encodeURIComponent(since)}`, { token: district.token });
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBe(1);
    expect(res.body.items[0]).toMatchObject({ actorName: 'ms-town', action: 'staff.password_reset', details: { username: 'reset-me' } });
    const before = await t.request('GET', `/api/admin/v1/audit?actorName=ms-town&to=${encodeURIComponent(since)}&action=staff.password_reset`, { token: district.token });
    expect(before.body.items).toEqual([]);
    expect((await t.request('GET', '/api/admin/v1/audit?from=yesterday', { token: district.token })).status).toBe(400);
  });
});
