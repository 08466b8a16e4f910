import ExcelJS from 'exceljs';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { EnrolmentTransitions } from '../../src/modules/insurance/insurance.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { createProduct, enrolHousehold, idOf } from '../helpers/insurance';

let t: TestApp;
let townMs: { token: string; id: string };
let townNd: { token: string; id: string };
let productId: string;

beforeAll(async () => {
  t = await startTestApp({ now: '2026-11-28T02:00:00Z' });
  await seedVillages(t);
  const district = await staffLogin(t, 'district_admin', '370303');
  townMs = await staffLogin(t, 'town_admin', TOWN_MS);
  townNd = await staffLogin(t, 'town_admin', TOWN_ND);
  productId = await createProduct(t, district.token);
});
afterAll(() => t.close());

const move = (id: string, body: Record<string, unknown>, token = townMs.token) =>
  t.request('POST', `/api/admin/v1/insurance/enrolments/${id}/transitions`, { token, body });
const status = async (id: string) =>
  (await t.request('GET', `/api/admin/v1/insurance/enrolments?productId=${productId}&limit=100`, { token: townMs.token })).body.items.find(
    (e: { id: string }) => e.id === id,
  )?.status;

async function xlsx(rows: Array<[string, string, string]>, header = ['被保险人姓名', '证件号码', '保单号']): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('保单号');
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
}
const importFile = (contentBase64: string, token = townMs.token) =>
  t.request('POST', `/api/admin/v1/insurance/products/${productId}/policy-import`, { token, body: { contentBase64 } });

async function paid(village: string, people: Array<{ name: string; idCard: string }>, token = townMs.token): Promise<string> {
  const id = await enrolHousehold(t, productId, village, people);
  expect((await move(id, { to: 'verified' }, token)).status).toBe(200);
  expect((await move(id, { to: 'paid', payment: { method: 'cash', paidAt: '2026-11-28', amountFen: 5000 * people.length } }, token)).status).toBe(200);
  return id;
}

describe('batch verify', () => {
  test('when a town admin verifies several enrolments, each in scope and submitted is verified and the others are reported', async () => {
    const a = await enrolHousehold(t, productId, VILLAGE_A, [{ name: '王大海', idCard: idOf('19800101', '011') }]);
    const b = await enrolHousehold(t, productId, VILLAGE_B, [{ name: '王小海', idCard: idOf('19800101', '021') }]);
    const elsewhere = await enrolHousehold(t, productId, VILLAGE_C, [{ name: '李南', idCard: idOf('19800101', '031') }]);
    const res = await t.request('POST', '/api/admin/v1/insurance/enrolments/verify', { token: townMs.token, body: { ids: [a, b, elsewhere, a] } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      verified: 2,
      failed: 1,
      results: [
        { id: a, ok: true, status: 'verified', message: null },
        { id: b, ok: true, status: 'verified', message: null },
        { id: elsewhere, ok: false, status: null, message: '投保记录不存在' },
      ],
    });
    expect(await status(a)).toBe('verified');
    // The other town's enrolment was not touched; verifying again is refused per item, nothing else changes.
    expect(await EnrolmentTransitions(t.db).countDocuments({ enrolmentId: elsewhere })).toBe(1);
    const again = await t.request('POST', '/api/admin/v1/insurance/enrolments/verify', { token: townMs.token, body: { ids: [a] } });
    expect(again.body.results[0]).toEqual({ id: a, ok: false, status: 'verified', message: '当前状态“已审核”不能改为“已审核”' });
  });

  test('when the list is empty or not ids, then 400 beside the field', async () => {
    const res = await t.request('POST', '/api/admin/v1/insurance/enrolments/verify', { token: townMs.token, body: { ids: [] } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ path: 'ids', message: '请至少选择一条投保' });
  });
});

describe('policy-number import', () => {
  test('the template has the three columns', async () => {
    const res = await fetch(`${t.url}/api/admin/v1/insurance/policy-template.xlsx`, { headers: { authorization: `Bearer ${townMs.token}` } });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    expect(wb.worksheets[0]!.getRow(1).values).toEqual([undefined, '被保险人姓名', '证件号码', '保单号']);
  });

  test('when any row is wrong, then nothing is imported and every error is named by row', async () => {
    const p1 = { name: '赵一', idCard: idOf('19800202', '041') };
    const p2 = { name: '赵二', idCard: idOf('19800202', '051') };
    const first = await paid(VILLAGE_A, [p1, p2]);
    const submitted = await enrolHousehold(t, productId, VILLAGE_A, [{ name: '钱三', idCard: idOf('19800202', '061') }]);
    const other = await paid(VILLAGE_C, [{ name: '孙四', idCard: idOf('19800202', '071') }], townNd.token);
    const bad = idOf('19800202', '081').slice(0, 17) + 'Y';
    const res = await importFile(
      await xlsx([
        ['赵一', p1.idCard, 'P-001'],
        ['赵二', p2.idCard, 'P-002'],
        ['钱三', idOf('19800202', '061'), 'P-003'],
        ['孙四', idOf('19800202', '071'), 'P-004'],
        ['错号', bad, 'P-005'],
        ['赵一', p1.idCard, ''],
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'IMPORT_REJECTED', message: '文件有 6 处错误，没有导入任何保单号' });
    expect(res.body.error.details.map((d: { row: number; field: string; message: string }) => [d.row, d.field, d.message])).toEqual([
      [3, 'policyNo', '同一户的保单号应相同（第 2 行为 P-001）'],
      [4, 'idCard', '投保状态为“已提交”，缴费后才能导入保单号'],
      [5, 'idCard', `${idOf('19800202', '071').slice(0, 6)}********${idOf('19800202', '071').slice(-4)} 在您管辖范围内没有本产品的有效投保`],
      [6, 'idCard', '身份证号应为 18 位数字，最后一位可以是 X'],
      [7, 'policyNo', '请填写保单号'],
      [7, 'idCard', '与第 2 行是同一人'],
    ]);
    expect(await status(first)).toBe('paid');
    expect(await status(submitted)).toBe('submitted');
    expect(await EnrolmentTransitions(t.db).countDocuments({ enrolmentId: other, to: 'issued' })).toBe(0);
  });

  test('when every row is right, then each paid enrolment is issued once; the same file again changes nothing; the import is audited', async () => {
    const p1 = { name: '周一', idCard: idOf('19800303', '041') };
    const p2 = { name: '周二', idCard: idOf('19800303', '051') };
    const a = await paid(VILLAGE_A, [p1, p2]);
    const b = await paid(VILLAGE_B, [{ name: '吴五', idCard: idOf('19800303', '061') }]);
    const file = await xlsx([
      ['周一', p1.idCard, 'PZB-1'],
      ['周二', p2.idCard, 'PZB-1'],
      ['吴五', idOf('19800303', '061'), 'PZB-2'],
    ]);
    const res = await importFile(file);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ rows: 3, issued: 2, unchanged: 0, failures: [] });
    const view = await t.request('GET', `/api/admin/v1/insurance/enrolments/${a}`, { token: townMs.token });
    expect(view.body).toMatchObject({ status: 'issued', policyNo: 'PZB-1', allowedNext: ['cancelled'] });
    expect(await status(b)).toBe('issued');
    const again = await importFile(file);
    expect(again.body).toEqual({ rows: 3, issued: 0, unchanged: 2, failures: [] });
    expect(await EnrolmentTransitions(t.db).countDocuments({ enrolmentId: a, to: 'issued' })).toBe(1);
    expect(await AuditLog(t.db).countDocuments({ action: 'insurance.policy_import', targetId: productId })).toBe(2);
    // Another town's admin finds none of these people.
    const other = await importFile(file, townNd.token);
    expect(other.status).toBe(400);
    expect(other.body.error.details).toHaveLength(3);
  });

  test('when the file is not a workbook or lacks a column, then 400 says so and changes nothing', async () => {
    const junk = await importFile(Buffer.from('not a workbook').toString('base64'));
    expect(junk.status).toBe(400);
    expect(junk.body.error.details[0]).toMatchObject({ path: 'file', message: '文件无法读取，请上传 .xlsx 文件' });
    const noColumn = await importFile(await xlsx([['x', 'y', 'z']], ['姓名', '身份证', '保单']));
    expect(noColumn.body.error.details[0].message).toBe('第 1 行缺少列：证件号码、保单号，请使用模板');
  });
});
