import ExcelJS from 'exceljs';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Staff } from '../../src/modules/staff/staff.model';
import { SEALED_VALUE } from '../../src/lib/pii';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';

jest.setTimeout(60_000);

let t: TestApp;
let msAdmin: { token: string; id: string };
let ndAdmin: { token: string; id: string };
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  msAdmin = await staffLogin(t, 'town_admin', TOWN_MS, 'edit-ms');
  ndAdmin = await staffLogin(t, 'town_admin', TOWN_ND, 'edit-nd');
}, 60_000);
afterAll(() => t.close());

const patch = (token: string, id: string, body: unknown) => t.request('PATCH', `/api/admin/v1/staff/${id}`, { token, body });

describe('editing a staff member', () => {
  test('when a town admin changes a worker of their town, then the phone is sealed at rest, masked in the list, the full view is audited, and the change is audited without the number', async () => {
    const w = await staffLogin(t, 'village_worker', VILLAGE_A, 'edit-w1');
    const res = await patch(msAdmin.token, w.id, { displayName: '王小红', phone: '13912345678' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: w.id, displayName: '王小红', phoneMasked: '139****5678' });
    expect(JSON.stringify(res.body)).not.toContain('13912345678');
    const stored = (await Staff(t.db).findById(w.id).lean())!;
    expect(stored.phoneEnc).toMatch(SEALED_VALUE);
    expect(JSON.stringify(stored)).not.toContain('13912345678');
    const list = await t.request('GET', '/api/admin/v1/staff?q=edit-w1', { token: msAdmin.token });
    expect(list.body.items[0]).toMatchObject({ phoneMasked: '139****5678' });
    expect(JSON.stringify(list.body)).not.toContain('13912345678');
    const audit = await AuditLog(t.db).findOne({ action: 'staff.update', targetId: w.id }).lean();
    expect(audit).toMatchObject({ actorId: msAdmin.id, details: { fields: ['displayName', 'phone'] } });
    expect(JSON.stringify(audit)).not.toContain('13912345678');
    const full = await t.request('GET', `/api/admin/v1/staff/${w.id}/full`, { token: msAdmin.token });
    expect(full.body).toMatchObject({ phone: '13912345678', phoneMasked: '139****5678' });
    expect(await AuditLog(t.db).countDocuments({ action: 'staff.view_full', targetId: w.id, actorId: msAdmin.id })).toBe(1);
    const cleared = await patch(msAdmin.token, w.id, { phone: null });
    expect(cleared.body.phoneMasked).toBeNull();
    expect((await Staff(t.db).findById(w.id).lean())!.phoneEnc).toBeUndefined();
  });

  test('when staff of another town edit or look at a worker, then 404 and nothing changes; nobody edits themselves', async () => {
    const w = await staffLogin(t, 'village_worker', VILLAGE_A, 'edit-w2');
    await patch(msAdmin.token, w.id, { displayName: '李四', phone: '13800001111' });
    const before = (await Staff(t.db).findById(w.id).lean())!;
    expect((await patch(ndAdmin.token, w.id, { displayName: '改名' })).status).toBe(404);
    expect((await t.request('GET', `/api/admin/v1/staff/${w.id}/full`, { token: ndAdmin.token })).status).toBe(404);
    const other = await staffLogin(t, 'village_worker', VILLAGE_C, 'edit-w3');
    expect((await patch(msAdmin.token, other.id, { displayName: '改名' })).status).toBe(404);
    expect((await patch(msAdmin.token, msAdmin.id, { displayName: '我自己' })).status).toBe(403);
    expect((await patch(w.token, w.id, { displayName: '我自己' })).status).toBe(403);
    expect(await Staff(t.db).findById(w.id).lean()).toEqual(before);
    expect(await AuditLog(t.db).countDocuments({ action: { $in: ['staff.update', 'staff.view_full'] }, actorId: ndAdmin.id })).toBe(0);
  });

  test('when the input is bad, then 400 names the field and nothing changes', async () => {
    const w = await staffLogin(t, 'village_worker', VILLAGE_B, 'edit-w4');
    for (const [body, path] of [
      [{ phone: '12345' }, 'phone'],
      [{ displayName: 'x'.repeat(41) }, 'displayName'],
      [{ role: 'district_admin' }, ''],
    ] as const) {
      const res = await patch(msAdmin.token, w.id, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      if (path) expect(res.body.error.details[0].path).toBe(path);
    }
    const s = (await Staff(t.db).findById(w.id).lean())!;
    expect(s.displayName).toBeUndefined();
    expect(s.phoneEnc).toBeUndefined();
    expect(s.role).toBe('village_worker');
  });
});

async function workbook(rows: string[][], headers = ['用户名', '姓名', '手机号（可不填）', '角色', '管辖地区']): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  ws.addRow(headers);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
}
const importFile = (token: string, content: string) => t.request('POST', '/api/admin/v1/staff/import', { token, body: { format: 'xlsx', content } });
const login = (username: string, password: string) => t.request('POST', '/api/admin/v1/auth/login', { body: { username, password } });

describe('importing staff from the template', () => {
  test('the template lists the areas in my scope with the roles they take', async () => {
    const res = await fetch(`${t.url}/api/admin/v1/staff/import-template`, { headers: { authorization: `Bearer ${msAdmin.token}` } });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    expect(wb.worksheets[0]!.getRow(1).values).toEqual([undefined, '用户名', '姓名', '手机号（可不填）', '角色', '管辖地区']);
    const listed = wb.worksheets[1]!.getSheetValues()
      .slice(2)
      .map((r) => (r as unknown[])?.[2])
      .filter(Boolean);
    expect(listed).toEqual(expect.arrayContaining([VILLAGE_A, VILLAGE_B]));
    expect(listed).not.toContain(VILLAGE_C);
    expect(listed).not.toContain(TOWN_MS);
  });

  test('when a town admin imports village workers, then every account exists with its initial password shown once, stored hashed, and changed at first sign-in', async () => {
    const res = await importFile(
      msAdmin.token,
      await workbook([
        ['imp-a1', '赵一', '13700000001', '村居工作人员', '东村'],
        ['imp-a2', '钱二', '', 'village_worker', VILLAGE_B],
      ]),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({
      imported: 2,
      accounts: [
        { row: 2, username: 'imp-a1', displayName: '赵一', role: 'village_worker' },
        { row: 3, username: 'imp-a2' },
      ],
    });
    const [a1] = res.body.accounts;
    expect(a1.initialPassword).toMatch(/^[A-Za-z0-9]{12}$/);
    const stored = (await Staff(t.db).findOne({ username: 'imp-a1' }).lean())!;
    expect(stored).toMatchObject({ areaCode: VILLAGE_A, mustChangePassword: true, displayName: '赵一' });
    expect(stored.phoneEnc).toMatch(SEALED_VALUE);
    expect(JSON.stringify(stored)).not.toContain(a1.initialPassword);
    const signIn = await login('imp-a1', a1.initialPassword);
    expect(signIn.status).toBe(200);
    expect(signIn.body.staff.mustChangePassword).toBe(true);
    const audit = await AuditLog(t.db).findOne({ action: 'staff.import', actorId: msAdmin.id }).lean();
    expect(audit?.details).toMatchObject({ imported: 2, usernames: ['imp-a1', 'imp-a2'] });
    expect(JSON.stringify(await AuditLog(t.db).find({}).lean())).not.toContain(a1.initialPassword);
  });

  test('when any row is wrong, then errors name the row and field, and no account is created', async () => {
    await staffLogin(t, 'village_worker', VILLAGE_A, 'imp-taken');
    const res = await importFile(
      msAdmin.token,
      await workbook([
        ['imp-b1', '孙三', '', '村居工作人员', VILLAGE_A],
        ['imp-taken', '周四', '', '村居工作人员', VILLAGE_A],
        ['x', '', '123', '镇街管理员', VILLAGE_C],
        ['imp-b1', '吴五', '', '村居工作人员', TOWN_MS],
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('IMPORT_INVALID');
    const errs = res.body.error.details.errors as Array<{ row: number; field: string }>;
    expect(errs.map((e) => `${e.row}:${e.field}`)).toEqual(
      expect.arrayContaining(['3:username', '4:username', '4:displayName', '4:phone', '4:role', '4:areaCode', '5:username', '5:areaCode']),
    );
    expect(await Staff(t.db).countDocuments({ username: /^imp-b/ })).toBe(0);
  });

  test('when a town admin names an area of another town or the file is no spreadsheet, then nothing is created', async () => {
    const res = await importFile(ndAdmin.token, await workbook([['imp-c1', '郑六', '', '村居工作人员', VILLAGE_A]]));
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors).toEqual([expect.objectContaining({ row: 2, field: 'areaCode' })]);
    const junk = await importFile(msAdmin.token, Buffer.from('not a workbook').toString('base64'));
    expect(junk.status).toBe(400);
    expect(junk.body.error.details.errors[0]).toMatchObject({ row: 0 });
    const bad = await workbook([['imp-c2', '郑七']], ['用户名', '姓名']);
    expect((await importFile(msAdmin.token, bad)).body.error.details.errors[0]).toMatchObject({ row: 1 });
    expect(await Staff(t.db).countDocuments({ username: /^imp-c/ })).toBe(0);
  });

  test('a village worker may not import', async () => {
    const w = await staffLogin(t, 'village_worker', VILLAGE_A, 'imp-worker');
    expect((await importFile(w.token, await workbook([['imp-d1', '冯八', '', '村居工作人员', VILLAGE_A]]))).status).toBe(403);
    expect(await Staff(t.db).countDocuments({ username: 'imp-d1' })).toBe(0);
  });
});
