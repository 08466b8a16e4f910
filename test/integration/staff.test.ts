import { AuditLog } from '../../src/modules/audit/audit.model';
import { Areas } from '../../src/modules/areas/areas.model';
import { Staff } from '../../src/modules/staff/staff.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_C } from '../helpers/fixtures';
import { createStaff } from '../../src/modules/staff/staff.service';

let t: TestApp;
let inA: { id: string };
let inC: { id: string };
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  inA = await residentLogin(t, 'villager-a', { village: VILLAGE_A, phone: '13811112222', realName: '刘芳' });
  inC = await residentLogin(t, 'villager-c', { village: VILLAGE_C, phone: '13833334444', realName: '陈刚' });
});
afterAll(() => t.close());

describe('staff login', () => {
  test('when the password is right, then a token and the principal come back, and the login is audited', async () => {
    await createStaff(t.app, { username: 'ms-admin', password: 'correct-horse-1', role: 'town_admin', areaCode: TOWN_MS });
    const res = await t.request('POST', '/api/admin/v1/auth/login', { body: { username: 'ms-admin', password: 'correct-horse-1' } });
    expect(res.status).toBe(200);
    expect(res.body.staff).toMatchObject({ username: 'ms-admin', role: 'town_admin', areaCode: TOWN_MS });
    const me = await t.request('GET', '/api/admin/v1/me', { token: res.body.token });
    expect(me.body.username).toBe('ms-admin');
    expect(await AuditLog(t.db).countDocuments({ action: 'staff.login', actorName: 'ms-admin' })).toBe(1);
  });

  test('when the password is stored, then it is a scrypt hash, not the password', async () => {
    const s = await Staff(t.db).findOne({ username: 'ms-admin' }).lean();
    expect(s?.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(s?.passwordHash).not.toContain('correct-horse-1');
  });

  test('when the password is wrong 5 times, then the account is locked even for the right password, until the lock passes', async () => {
    await createStaff(t.app, { username: 'victim', password: 'right-password-1', role: 'town_admin', areaCode: TOWN_ND });
    for (let i = 0; i < 5; i++) {
      const r = await t.request('POST', '/api/admin/v1/auth/login', { body: { username: 'victim', password: `wrong-${i}` } });
      expect(r.body.error.code).toBe('INVALID_CREDENTIALS');
    }
    const locked = await t.request('POST', '/api/admin/v1/auth/login', { body: { username: 'victim', password: 'right-password-1' } });
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe('ACCOUNT_LOCKED');
    t.clock.advance(16 * 60_000);
    const after = await t.request('POST', '/api/admin/v1/auth/login', { body: { username: 'victim', password: 'right-password-1' } });
    expect(after.status).toBe(200);
  });

  test('when the username is unknown, then the same 401 as a wrong password', async () => {
    const res = await t.request('POST', '/api/admin/v1/auth/login', { body: { username: 'nobody', password: 'whatever-123' } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  test('when a staff account is disabled, then its token stops working', async () => {
    const s = await staffLogin(t, 'town_admin', TOWN_MS, 'to-disable');
    expect((await t.request('GET', '/api/admin/v1/me', { token: s.token })).status).toBe(200);
    await Staff(t.db).updateOne({ username: 'to-disable' }, { $set: { disabled: true } });
    expect((await t.request('GET', '/api/admin/v1/me', { token: s.token })).status).toBe(401);
  });

  test('when a role does not fit the area level, then the account is refused', async () => {
    await expect(createStaff(t.app, { username: 'bad-role', password: 'bad-role-pass-1', role: 'district_admin', areaCode: TOWN_MS })).rejects.toMatchObject({
      code: 'ROLE_AREA_MISMATCH',
      details: [{ path: 'areaCode', message: '角色与管辖地区级别不匹配' }],
    });
  });
});

describe('role and area scope', () => {
  test('when a resident token calls a staff route, then 401', async () => {
    const r = await residentLogin(t);
    expect((await t.request('GET', '/api/admin/v1/residents', { token: r.token })).status).toBe(401);
  });

  test('when a staff token calls a resident route, then 401', async () => {
    const s = await staffLogin(t, 'district_admin', '370303');
    expect((await t.request('GET', '/api/v1/me', { token: s.token })).status).toBe(401);
  });

  test('when a town admin lists residents, then only their town appears, masked', async () => {
    const s = await staffLogin(t, 'town_admin', TOWN_MS);
    const res = await t.request('GET', '/api/admin/v1/residents', { token: s.token });
    expect(res.status).toBe(200);
    const ids = res.body.items.map((r: { id: string }) => r.id);
    expect(ids).toContain(inA.id);
    expect(ids).not.toContain(inC.id);
    const a = res.body.items.find((r: { id: string }) => r.id === inA.id);
    expect(a).toMatchObject({ nameMasked: '刘*', phoneMasked: '138****2222' });
    expect(JSON.stringify(res.body)).not.toContain('13811112222');
  });

  test('when a town admin asks for another town, then 403', async () => {
    const s = await staffLogin(t, 'town_admin', TOWN_MS);
    const res = await t.request('GET', `/api/admin/v1/residents?areaCode=${TOWN_ND}`, { token: s.token });
    expect(res.status).toBe(403);
  });

  test('when staff view a resident in full, then the record is audited; out of scope is 403 and not audited', async () => {
    const s = await staffLogin(t, 'village_worker', VILLAGE_A);
    const full = await t.request('GET', `/api/admin/v1/residents/${inA.id}`, { token: s.token });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ name: '刘芳', phone: '13811112222' });
    expect(await AuditLog(t.db).countDocuments({ action: 'resident.view_full', targetId: inA.id, actorId: s.id })).toBe(1);
    const other = await t.request('GET', `/api/admin/v1/residents/${inC.id}`, { token: s.token });
    expect(other.status).toBe(403);
    expect(await AuditLog(t.db).countDocuments({ action: 'resident.view_full', targetId: inC.id })).toBe(0);
  });

  test('when a village worker reads the audit log, then 403; a district admin can read it', async () => {
    const w = await staffLogin(t, 'village_worker', VILLAGE_A);
    expect((await t.request('GET', '/api/admin/v1/audit', { token: w.token })).status).toBe(403);
    const d = await staffLogin(t, 'district_admin', '370303');
    const res = await t.request('GET', '/api/admin/v1/audit?action=resident.view_full', { token: d.token });
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThanOrEqual(1);
    expect(res.body.items[0]).toMatchObject({ action: 'resident.view_full', actorType: 'staff', requestId: expect.any(String) });
  });

  test('when a town admin creates staff, then only village workers inside the town', async () => {
    const s = await staffLogin(t, 'town_admin', TOWN_MS);
    const ok = await t.request('POST', '/api/admin/v1/staff', {
      token: s.token,
      body: { username: 'worker-a', password: 'long-enough-pw', role: 'village_worker', areaCode: VILLAGE_A },
    });
    expect(ok.status).toBe(201);
    const up = await t.request('POST', '/api/admin/v1/staff', {
      token: s.token,
      body: { username: 'boss', password: 'long-enough-pw', role: 'town_admin', areaCode: TOWN_MS },
    });
    expect(up.status).toBe(403);
    const out = await t.request('POST', '/api/admin/v1/staff', {
      token: s.token,
      body: { username: 'worker-c', password: 'long-enough-pw', role: 'village_worker', areaCode: VILLAGE_C },
    });
    expect(out.status).toBe(403);
    expect(await Staff(t.db).countDocuments({ username: { $in: ['boss', 'worker-c'] } })).toBe(0);
  });
});

describe('village import', () => {
  test('when the CSV has errors, then every bad row is reported by number and nothing is imported', async () => {
    const d = await staffLogin(t, 'district_admin', '370303');
    const before = await Areas(t.db).countDocuments();
    const csv = 'name,parentCode,code\n北村,370303-JD-MS,\n,370303-JD-MS,\n中村,NOPE,\n东村2,370303-JD-MS,370303-JD-MS-va\n';
    const res = await t.request('POST', '/api/admin/v1/areas/import', { token: d.token, body: { format: 'csv', content: csv } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('IMPORT_INVALID');
    expect(res.body.error.details.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
      [3, 'name'],
      [4, 'parentCode'],
      [5, 'code'],
    ]);
    expect(await Areas(t.db).countDocuments()).toBe(before);
  });

  test('when the CSV is valid, then all villages are imported with paths, and the import is audited', async () => {
    const d = await staffLogin(t, 'district_admin', '370303');
    const res = await t.request('POST', '/api/admin/v1/areas/import', {
      token: d.token,
      body: { format: 'csv', content: '\uFEFFname,parentCode\n北村,370303-JD-MS\n幸福社区,370303-Z-ND\n' },
    });
    expect(res.status).toBe(201);
    expect(res.body.imported).toBe(2);
    const community = await Areas(t.db).findOne({ name: '幸福社区' }).lean();
    expect(community).toMatchObject({ level: 'community', parentCode: '370303-Z-ND', path: ['370303', '370303-Z-ND', community?.code] });
    expect(await AuditLog(t.db).countDocuments({ action: 'areas.import' })).toBe(1);
  });

  test('when a town admin imports into another town, then that row is refused; a village worker gets 403', async () => {
    const s = await staffLogin(t, 'town_admin', TOWN_MS);
    const before = await Areas(t.db).countDocuments();
    const res = await t.request('POST', '/api/admin/v1/areas/import', {
      token: s.token,
      body: { format: 'csv', content: 'name,parentCode\n前村,370303-JD-MS\n后村,370303-Z-ND\n' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors).toEqual([{ row: 3, field: 'parentCode', message: '南定镇不在您的管辖范围内' }]);
    expect(await Areas(t.db).countDocuments()).toBe(before);
    const w = await staffLogin(t, 'village_worker', VILLAGE_A);
    expect((await t.request('POST', '/api/admin/v1/areas/import', { token: w.token, body: { format: 'json', content: '[]' } })).status).toBe(403);
  });
});
