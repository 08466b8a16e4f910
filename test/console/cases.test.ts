import ExcelJS from 'exceljs';
import fs from 'node:fs';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B } from '../helpers/fixtures';
import { createProduct, enrolHousehold, idOf } from '../helpers/insurance';
import { launchChromium, PHONE, signIn, type Chromium, type ConsolePage } from './browser';
import { expectNoPageScrollX } from './ui';

// Journeys of screen 7: a town admin moves a cleft-lip/palate referral through its workflow, batch-verifies
// enrolments and imports the insurer's policy numbers from an XLSX file; another town's admin sees none of it.
let t: TestApp;
let chrome: Chromium;
let referralId: string;
let productId: string;
const pages: ConsolePage[] = [];
const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const people = {
  a: [
    { name: '张建国', idCard: idOf('19800315', '011') },
    { name: '张小军', idCard: idOf('20100610', '013') },
  ],
  b: [{ name: '王秀英', idCard: idOf('19750101', '022') }],
  c: [{ name: '刘德华', idCard: idOf('19820202', '031') }],
};
const day = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startTestApp({ now: new Date().toISOString() });
  await seedVillages(t);
  await createStaff(t.app, { username: 'mashang', password: 'mashang-pass-1', role: 'town_admin', areaCode: TOWN_MS, displayName: '马尚街道管理员' });
  await createStaff(t.app, { username: 'nanding', password: 'nanding-pass-1', role: 'town_admin', areaCode: TOWN_ND, displayName: '南定镇管理员' });
  await createStaff(t.app, { username: 'dongcun', password: 'dongcun-pass-1', role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村网格员' });
  const district = await staffLogin(t, 'district_admin', '370303');

  // A guardian in 东村 refers a child and adds a photo (the mini-program's calls).
  const g = await residentLogin(t, 'guardian', { village: VILLAGE_A, phone: '13800001111' });
  await t.request('POST', '/api/v1/me/consents', {
    token: g.token,
    body: { purpose: 'child-data', policyVersion: t.app.config.POLICY_VERSION, guardianRelation: '母亲' },
  });
  const birth = day(-150);
  const ref = await t.request('POST', '/api/v1/referrals', {
    token: g.token,
    body: {
      childName: '李小宝',
      childSex: 'male',
      childBirthDate: birth,
      condition: 'cleft_lip',
      diagnosed: true,
      diagnosedWhere: '淄博市妇幼保健院',
      household: ['dibao'],
      guardianRelation: '母亲',
      guardianPhone: '13800001111',
      villageCode: VILLAGE_A,
    },
  });
  expect(ref.status).toBe(201);
  referralId = ref.body.id;
  expect((await t.request('POST', `/api/v1/referrals/${referralId}/photos`, { token: g.token, body: { dataBase64: PNG_1PX.toString('base64') } })).status).toBe(
    201,
  );

  // This year's product, open today; three households enrol.
  productId = await createProduct(t, district.token, { enrolFrom: day(-10), enrolTo: day(30), policyStart: day(40), policyEnd: day(400) });
  await enrolHousehold(t, productId, VILLAGE_A, people.a);
  await enrolHousehold(t, productId, VILLAGE_B, people.b);
  await enrolHousehold(t, productId, VILLAGE_A, people.c);
  chrome = await launchChromium();
}, 90_000);
afterAll(async () => {
  for (const [i, p] of pages.entries()) {
    await p.shot(`cases-zz-last-${i}`).catch(() => undefined);
    if (p.httpErrors.length) console.log(`page ${i} ${p.page.url()}: ${p.httpErrors.join(', ')}`);
  }
  await chrome?.close();
  await t?.close();
});

async function open(viewport?: { width: number; height: number }): Promise<ConsolePage> {
  const p = await chrome.open(t.url, viewport);
  pages.push(p);
  return p;
}
const expectAccessible = async (p: ConsolePage) => expect(await p.axe()).toEqual([]);

async function xlsx(rows: Array<[string, string, string]>): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('保单号');
  ws.addRow(['被保险人姓名', '证件号码', '保单号']);
  for (const r of rows) ws.addRow(r);
  const file = `${fs.mkdtempSync('/tmp/policy-')}/保单号.xlsx`;
  await wb.xlsx.writeFile(file);
  return file;
}

test('journey: a referral moves through its workflow; the full view is audited; another town sees nothing', async () => {
  const p = await open();
  await signIn(p, 'mashang', 'mashang-pass-1');
  await p.page.getByRole('menuitem', { name: '唇腭裂救助' }).first().click();
  await p.page.getByRole('heading', { name: '唇腭裂救助' }).waitFor();
  const table = p.page.locator('[data-test=referral-table]');
  await table.getByRole('cell', { name: '李**', exact: true }).waitFor();
  await table.getByText(/正在最佳手术窗口（[45] 月龄）/).waitFor();
  await table.getByRole('cell', { name: '东村', exact: true }).waitFor();
  await p.shot('cases-01-referral-board');
  await expectAccessible(p);

  await table.getByRole('button', { name: '查看处理 李**' }).click();
  const drawer = p.page.getByRole('dialog', { name: '救助个案' });
  await drawer.getByText('李小宝').waitFor();
  await drawer.getByRole('img', { name: '个案照片 1' }).waitFor();
  expect(await drawer.getByRole('img', { name: '个案照片 1' }).evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBe(1);
  const status = drawer.locator('[data-test=referral-status]');
  const moveTo = async (label: string) => {
    await drawer.locator('label.el-radio-button', { hasText: label }).click();
  };
  await moveTo('审核中');
  await drawer.getByRole('button', { name: '确认更改' }).click();
  await status.filter({ hasText: '审核中' }).waitFor();

  // A step that needs a detail says so beside the field.
  await moveTo('已转介');
  await drawer.getByRole('button', { name: '确认更改' }).click();
  await drawer.getByText('请填写转介的医院或项目').waitFor();
  await p.shot('cases-02-referral-field-error');
  await drawer.getByLabel('转介的医院或项目').fill('山东省立医院唇腭裂治疗中心');
  await drawer.getByRole('button', { name: '确认更改' }).click();
  await status.filter({ hasText: '已转介' }).waitFor();

  await moveTo('已安排手术');
  await drawer.getByLabel('手术日期').fill(day(20));
  await drawer.getByLabel('手术日期').press('Enter');
  await drawer.getByLabel('备注（可不填）').fill('家长已确认时间');
  await drawer.getByRole('button', { name: '确认更改' }).click();
  await status.filter({ hasText: '已安排手术' }).waitFor();
  await moveTo('已完成');
  await drawer.getByRole('button', { name: '确认更改' }).click();
  await status.filter({ hasText: '已完成' }).waitFor();
  await drawer.getByText('个案已结束，不能再更改状态。').waitFor();
  const history = drawer.getByRole('list', { name: '处理记录' });
  for (const s of ['已提交', '审核中', '已转介', '已安排手术', '已完成']) await history.getByText(s, { exact: true }).waitFor();
  await history.getByText('转介至：山东省立医院唇腭裂治疗中心').waitFor();
  await history.getByText('备注：家长已确认时间').waitFor();
  await p.shot('cases-03-referral-completed');
  await expectAccessible(p);
  await p.page.keyboard.press('Escape');

  // The board under 已完成 holds it; the guardian got one notice per step; the full view was audited.
  await p.page.locator('label.el-radio-button', { hasText: '已完成' }).click();
  await table.getByRole('cell', { name: '李**', exact: true }).waitFor();
  expect(await AuditLog(t.db).countDocuments({ action: 'referral.view_full', targetId: referralId, actorName: 'mashang' })).toBe(1);
  expect(await AuditLog(t.db).countDocuments({ action: 'referral.photo_view', targetId: referralId })).toBe(1);

  // The village worker of 东村, on a phone: the board scrolls inside its frame, the case opens across the screen.
  const worker = await open(PHONE);
  await signIn(worker, 'dongcun', 'dongcun-pass-1');
  await worker.page.getByRole('button', { name: '打开菜单' }).click();
  await worker.page.getByRole('dialog', { name: '菜单' }).getByRole('menuitem', { name: '唇腭裂救助' }).click();
  await worker.page.locator('label.el-radio-button', { hasText: '全部' }).click();
  const board = worker.page.locator('[data-test=referral-table]');
  await board.getByRole('cell', { name: '李**', exact: true }).waitFor();
  await worker.shot('cases-03a-referral-board-village-phone');
  await expectNoPageScrollX(worker);
  await expectAccessible(worker);
  await board.getByRole('button', { name: '查看处理 李**' }).click();
  await worker.page.getByRole('dialog', { name: '救助个案' }).getByText('李小宝').waitFor();
  await worker.shot('cases-03b-referral-case-village-phone');
  await expectNoPageScrollX(worker);
  await expectAccessible(worker);
  await worker.page.keyboard.press('Escape');

  // 南定镇's admin: nothing on the board, and the case itself is refused.
  const other = await open();
  await signIn(other, 'nanding', 'nanding-pass-1');
  await other.page.getByRole('menuitem', { name: '唇腭裂救助' }).first().click();
  await other.page.locator('label.el-radio-button', { hasText: '全部' }).click();
  await other.page.getByText('您的管辖范围内还没有救助申请').waitFor();
  await other.shot('cases-04-referral-other-town');
  await expectAccessible(other);
  const token = String(await other.page.evaluate("JSON.parse(localStorage.getItem('zdhealth.console.session')).token"));
  expect((await t.request('GET', `/api/admin/v1/referrals/${referralId}`, { token })).status).toBe(403);

  for (const q of [p, other]) expect(q.problems).toEqual([]);
}, 240_000);

test('journey: enrolments are batch-verified, paid, and issued from a policy-number file; the insurer file is exported; another town sees nothing', async () => {
  const p = await open();
  await signIn(p, 'mashang', 'mashang-pass-1');
  await p.page.getByRole('menuitem', { name: '家庭保险' }).first().click();
  await p.page.getByRole('heading', { name: '家庭保险' }).waitFor();
  const table = p.page.locator('[data-test=enrolment-table]');
  for (const n of ['张**', '王**', '刘**'])
    await table
      .getByText(new RegExp(`^${n.replace(/\*/g, '\\*')} · `))
      .first()
      .waitFor();
  await p.shot('cases-05-enrolments-submitted');
  await expectAccessible(p);

  // Select every submitted enrolment and verify them at once.
  await table.locator('.el-table__header .el-checkbox').click();
  await p.page.getByRole('button', { name: '批量审核通过（3）' }).click();
  await p.page.getByText('没有待审核的投保').waitFor();
  await p.page.getByText('已审核通过 3 条').waitFor();

  // One payment recorded in the page; the other two as the village clerks would (through the API).
  await p.page.getByRole('combobox', { name: '状态' }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').click();
  await p.page.getByRole('option', { name: '已审核', exact: true }).filter({ visible: true }).click();
  await table.getByRole('button', { name: '查看处理 王**' }).click();
  const drawer = p.page.getByRole('dialog', { name: '投保详情' });
  await drawer.getByText('王秀英').waitFor();
  await drawer.locator('label.el-radio-button', { hasText: '已缴费' }).click();
  await drawer.getByRole('button', { name: '确认更改' }).click();
  await drawer.getByText('请选择缴费日期').waitFor();
  await drawer.getByLabel('缴费日期').fill(day(0));
  await drawer.getByLabel('缴费日期').press('Enter');
  await drawer.getByRole('button', { name: '确认更改' }).click();
  await drawer.locator('[data-test=enrolment-status]').filter({ hasText: '已缴费' }).waitFor();
  await p.shot('cases-06-enrolment-paid');
  await p.page.keyboard.press('Escape');
  const token = String(await p.page.evaluate("JSON.parse(localStorage.getItem('zdhealth.console.session')).token"));
  const list = await t.request('GET', `/api/admin/v1/insurance/enrolments?productId=${productId}&status=verified`, { token });
  for (const e of list.body.items) {
    expect(
      (
        await t.request('POST', `/api/admin/v1/insurance/enrolments/${e.id}/transitions`, {
          token,
          body: { to: 'paid', payment: { method: 'cash', paidAt: day(0), amountFen: e.totalFen } },
        })
      ).status,
    ).toBe(200);
  }

  // A file with mistakes: nothing is imported, each row's problem is shown.
  await p.page.getByRole('tab', { name: '保单号导入与导出' }).click();
  const [template] = await Promise.all([p.page.waitForEvent('download'), p.page.getByRole('button', { name: '下载模板' }).click()]);
  const tpl = new ExcelJS.Workbook();
  await tpl.xlsx.readFile(await template.path());
  expect(tpl.worksheets[0]!.getRow(1).values).toEqual([undefined, '被保险人姓名', '证件号码', '保单号']);
  const file = p.page.locator('[data-test=policy-file]');
  await file.setInputFiles(
    await xlsx([
      ['张建国', people.a[0]!.idCard, 'PZB-0001'],
      ['张小军', people.a[1]!.idCard, 'PZB-0009'],
      ['王秀英', people.b[0]!.idCard, ''],
      ['刘德华', people.c[0]!.idCard, 'PZB-0003'],
    ]),
  );
  await p.page.getByRole('button', { name: '导入', exact: true }).click();
  await p.page.getByText('文件有 2 处错误，没有导入任何保单号').waitFor();
  const errors = p.page.locator('[data-test=import-errors]');
  await errors.getByRole('row', { name: /3 保单号 同一户的保单号应相同（第 2 行为 PZB-0001）/ }).waitFor();
  await errors.getByRole('row', { name: /4 保单号 请填写保单号/ }).waitFor();
  await p.shot('cases-07-policy-import-errors');
  await expectAccessible(p);
  expect((await t.request('GET', `/api/admin/v1/insurance/enrolments?productId=${productId}&status=issued`, { token })).body.items).toHaveLength(0);

  const good = await xlsx([
    ['张建国', people.a[0]!.idCard, 'PZB-0001'],
    ['张小军', people.a[1]!.idCard, 'PZB-0001'],
    ['王秀英', people.b[0]!.idCard, 'PZB-0002'],
    ['刘德华', people.c[0]!.idCard, 'PZB-0003'],
  ]);
  await file.setInputFiles(good);
  await p.page.getByRole('button', { name: '导入', exact: true }).click();
  await p.page.locator('[data-test=import-result]').getByText('共 4 行：3 户已出单，0 户此前已导入').waitFor();
  await p.shot('cases-08-policy-import-done');

  // The insurer's file: one row per insured person, issued with their policy numbers, ID numbers masked for a town admin.
  const [dl] = await Promise.all([p.page.waitForEvent('download'), p.page.getByRole('button', { name: '导出 Excel' }).click()]);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(await dl.path());
  const ws = wb.worksheets[0]!;
  const rows = ws.getSheetValues().slice(2) as unknown[][];
  expect(rows.map((r) => [r[2], r[12], r[15]]).sort()).toEqual([
    ['刘德华', '已出单', 'PZB-0003'],
    ['张小军', '已出单', 'PZB-0001'],
    ['张建国', '已出单', 'PZB-0001'],
    ['王秀英', '已出单', 'PZB-0002'],
  ]);
  expect(rows.every((r) => /^370303\*{8}\d{3}[\dX]$/.test(String(r[4])))).toBe(true);

  await p.page.getByRole('tab', { name: '投保审核' }).click();
  await p.page.getByRole('combobox', { name: '状态' }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').click();
  await p.page.getByRole('option', { name: '已出单', exact: true }).filter({ visible: true }).click();
  await table.getByRole('cell', { name: 'PZB-0002' }).waitFor();
  await p.shot('cases-09-enrolments-issued');
  await expectAccessible(p);
  expect(await AuditLog(t.db).countDocuments({ action: 'insurance.policy_import', targetId: productId })).toBe(1);
  expect(await AuditLog(t.db).countDocuments({ action: 'insurance.export_xlsx', targetId: productId })).toBe(1);

  // 南定镇's admin: no enrolments; the same good file finds none of these people in their area.
  const other = await open();
  await signIn(other, 'nanding', 'nanding-pass-1');
  await other.page.getByRole('menuitem', { name: '家庭保险' }).first().click();
  await other.page.getByText('没有待审核的投保').waitFor();
  await other.page.getByRole('tab', { name: '保单号导入与导出' }).click();
  await other.page.locator('[data-test=policy-file]').setInputFiles(good);
  await other.page.getByRole('button', { name: '导入', exact: true }).click();
  await other.page.getByText('文件有 4 处错误，没有导入任何保单号').waitFor();
  expect(await other.page.locator('[data-test=import-errors]').getByText('在您管辖范围内没有本产品的有效投保').count()).toBe(4);
  await other.shot('cases-10-insurance-other-town');
  await expectAccessible(other);

  for (const q of [p, other]) expect(q.problems).toEqual([]);
}, 240_000);
