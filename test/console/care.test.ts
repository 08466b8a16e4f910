import { AuditLog } from '../../src/modules/audit/audit.model';
import { CareFamilies, CareVisits, HelpRequests } from '../../src/modules/care/care.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import type { TestApp } from '../helpers/app';
import { TOWN_MS, VILLAGE_A } from '../helpers/fixtures';
import { PHONE, signIn } from './browser';
import { expectAccessible, expectConfirmVisible, expectMessageVisible, expectNoPageScrollX, journey, OTHER_TOWN_ADMIN } from './ui';

// Journey: a village worker with an overdue visit signs in on a phone and starts on the overdue list, logs the
// visit in three taps and a line of text, registers a family and moves a help request; the town admin sees the
// masked list, the figures and the printable list (no needs in them), opens the audited full view and pairs the
// family; another town's admin sees none of it.
const NEEDS = '老两口身体不好，需要定期量血压';
const WORKER = { username: 'dongcun', password: 'dongcun-pass-1' };
const TOWN = { username: 'mashang', password: 'mashang-pass-1' };
let overdueId = '';

async function token(t: TestApp, who: { username: string; password: string }): Promise<string> {
  return (await t.request('POST', '/api/admin/v1/auth/login', { body: who })).body.token as string;
}

jest.setTimeout(180_000);
const j = journey('care', async (t) => {
  await createStaff(t.app, { ...WORKER, role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村网格员' });
  await createStaff(t.app, { username: 'dongcun2', password: 'dongcun2-pass-1', role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村骨干李梅' });
  await createStaff(t.app, { ...TOWN, role: 'town_admin', areaCode: TOWN_MS, displayName: '马尚街道管理员' });
  const res = await t.request('POST', '/api/admin/v1/care/families', {
    token: await token(t, WORKER),
    body: { type: 'shidu', villageCode: VILLAGE_A, contact: { name: '张桂兰', phone: '13912345678' }, needs: NEEDS, consent: { method: 'signed_form' } },
  });
  overdueId = res.body.id;
  // Registered two months ago and never visited: the visit is past due.
  await CareFamilies(t.db).updateOne({ _id: overdueId }, { $set: { nextVisitDue: new Date(Date.now() - 30 * 86_400_000) } });
});

test('journey: a village worker starts on the overdue list and logs a visit in ≤ 4 taps, registers a family and moves a help request', async () => {
  const p = await j.open(PHONE);
  await signIn(p, WORKER.username, WORKER.password);
  await p.page.getByRole('heading', { name: '待走访的关怀家庭' }).waitFor();
  const card = p.page.getByRole('article', { name: /张\*\*/ });
  await card.waitFor();
  expect(await p.page.content()).not.toContain('量血压');
  await p.shot('care-01-overdue-start-phone');
  await expectNoPageScrollX(p);
  await expectAccessible(p);

  // Visit logging, counted from the start page: 记走访, the text box (then typing), 保存.
  let taps = 0;
  await card.getByRole('button', { name: '记走访' }).click();
  taps++;
  await p.page.getByRole('heading', { name: '记录走访' }).waitFor();
  await p.page.getByText('张** · 计生特殊家庭（失独）').waitFor();
  await p.shot('care-02-visit-form-phone');
  await expectNoPageScrollX(p);
  await expectAccessible(p);
  await p.page.getByLabel('做了什么', { exact: true }).click();
  taps++;
  await p.page.getByLabel('做了什么', { exact: true }).fill('上门看望，量了血压，老人精神不错');
  await p.page.getByRole('button', { name: '保存走访记录' }).click();
  taps++;
  await expectMessageVisible(p, '走访已记录');
  expect(taps).toBeLessThanOrEqual(4);
  console.log(`[care] taps to log a visit from the start page: ${taps} + text`);
  await p.page.getByText('没有逾期未走访的家庭。').waitFor();
  expect(await CareVisits(j.t.db).countDocuments({ familyId: overdueId })).toBe(1);
  expect((await CareFamilies(j.t.db).findById(overdueId).lean())!.nextVisitDue.getTime()).toBeGreaterThan(Date.now());
  await p.shot('care-03-visit-logged-phone');
  await expectNoPageScrollX(p);
  await expectAccessible(p);

  // Register a family.
  await p.page.getByRole('button', { name: '登记家庭' }).click();
  await p.page.getByRole('heading', { name: '登记关怀家庭' }).waitFor();
  await p.page.getByRole('combobox', { name: '家庭类型' }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').click();
  await p.page.getByRole('option', { name: '留守老人', exact: true }).click();
  await p.page.getByLabel('联系人姓名').fill('王秀英');
  await p.page.getByLabel('联系电话').fill('13700001111');
  await p.page.getByLabel('需求').fill('独居，行动不便，需要代购药品');
  // A village worker pairs the family with a core member of the village too (not only admins).
  await p.page.getByRole('combobox', { name: '结对骨干会员' }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').click();
  await p.page.getByRole('option', { name: '东村骨干李梅' }).click();
  await p.shot('care-04-register-phone');
  await expectNoPageScrollX(p);
  await expectAccessible(p);
  await p.page.getByRole('button', { name: '登记', exact: true }).click();
  await p.page.getByText('登记前须征得家庭同意').waitFor();
  await p.page.getByText('已向家庭说明登记的用途，家庭同意登记').click();
  await p.page.getByRole('button', { name: '登记', exact: true }).click();
  await expectMessageVisible(p, '已登记关怀家庭');
  await p.page.getByRole('article', { name: /王\*\*/ }).waitFor();
  expect(await p.page.content()).not.toContain('代购药品');

  // The audited full view, a help request and its moves.
  await p.page
    .getByRole('article', { name: /王\*\*/ })
    .getByRole('button', { name: '查看详情' })
    .click();
  await p.page.locator('[data-test=care-needs]').getByText('独居，行动不便，需要代购药品').waitFor();
  const newId = p.page.url().split('/').pop()!;
  expect((await CareFamilies(j.t.db).findById(newId).lean())!.pairedStaffId).toBeTruthy();
  expect(await AuditLog(j.t.db).countDocuments({ action: 'care.family_view', targetId: newId })).toBe(1);
  await p.page.getByRole('button', { name: '登记求助' }).click();
  const dialog = p.page.getByRole('dialog', { name: '登记求助' });
  await dialog.getByLabel('需要什么帮助').fill('每月两次代购降压药');
  await dialog.getByRole('button', { name: '登记' }).click();
  await expectMessageVisible(p, '求助已登记');
  await p.page.locator('[data-test=care-help]').getByText('待处理').waitFor();
  await p.page.locator('[data-test=care-help]').getByRole('button', { name: '开始处理' }).click();
  const confirm = await expectConfirmVisible(p, '开始处理');
  await p.shot('care-05-help-confirm-phone');
  await expectNoPageScrollX(p);
  await expectAccessible(p);
  await confirm.getByRole('button', { name: '确定' }).click();
  await expectMessageVisible(p, '已改为“开始处理”');
  await p.page.locator('[data-test=care-help]').getByText('处理中').waitFor();
  expect((await HelpRequests(j.t.db).findOne({ familyId: newId }).lean())!.status).toBe('in_progress');
  await p.shot('care-06-family-phone');
  await expectNoPageScrollX(p);
  await expectAccessible(p);
  expect(j.problems()).toEqual([]);
});

test('journey: the town admin reads the masked list, figures and printable list without the needs, and pairs a family in the full view', async () => {
  const p = await j.open();
  await signIn(p, TOWN.username, TOWN.password);
  await p.page.getByRole('menuitem', { name: '关怀家庭' }).first().click();
  await p.page.getByRole('heading', { name: '关怀家庭', exact: true }).waitFor();
  await p.page.getByRole('article', { name: /张\*\*/ }).waitFor();
  await p.page.getByRole('article', { name: /王\*\*/ }).waitFor();
  expect(await p.page.content()).not.toContain('量血压');
  await p.shot('care-11-town-list');
  await expectAccessible(p);

  await p.page.getByRole('radio', { name: '逾期未走访' }).click({ force: true });
  await p.page.getByText('没有逾期未走访的家庭。').waitFor();
  await p.page.getByRole('radio', { name: '全部' }).click({ force: true });
  await p.page.getByRole('article', { name: /张\*\*/ }).waitFor();

  await p.page.getByRole('button', { name: '各村统计' }).click();
  const figures = p.page.locator('[data-test=care-figures]').getByRole('row').filter({ hasText: '东村' });
  await figures.waitFor();
  expect((await figures.innerText()).replace(/\s+/g, ' ')).toContain('东村 1 0 1 0 0 0 1 1');
  await p.shot('care-12-figures');
  await expectAccessible(p);

  await p.page.goto('/admin/care/print');
  await p.page.locator('[data-test=care-print]').getByText('张**').waitFor();
  await p.page.getByRole('heading', { name: '马尚街道关怀家庭名单' }).waitFor();
  const sheet = await p.page.locator('[data-test=care-print]').innerText();
  expect(sheet).not.toContain('量血压');
  expect(sheet).not.toContain('张桂兰');
  expect(await AuditLog(j.t.db).countDocuments({ action: 'care.export' })).toBe(1);
  await p.shot('care-13-print');
  await expectAccessible(p);

  // The field screens at desktop size too.
  await p.page.goto('/admin/care?overdue=1');
  await p.page.getByRole('heading', { name: '待走访的关怀家庭' }).waitFor();
  await p.shot('care-15-overdue-desktop');
  await p.page.goto(`/admin/care/${overdueId}/visit`);
  await p.page.getByRole('heading', { name: '记录走访' }).waitFor();
  await p.shot('care-16-visit-form-desktop');
  await expectAccessible(p);

  await p.page.goto(`/admin/care/${overdueId}`);
  await p.page.locator('[data-test=care-needs]').getByText(NEEDS).waitFor();
  await p.page.getByRole('button', { name: '修改结对、间隔和需求' }).click();
  const dialog = p.page.getByRole('dialog', { name: '修改关怀安排' });
  await dialog.getByRole('combobox', { name: '结对骨干会员' }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').click();
  await p.page.getByRole('option', { name: '东村骨干李梅' }).click();
  await dialog.getByLabel('走访间隔（天）').fill('60');
  await dialog.getByRole('button', { name: '保存' }).click();
  await expectMessageVisible(p, '已保存');
  const view = p.page.locator('[data-test=care-family]');
  await view.getByText('每 60 天').waitFor();
  await view.getByText('东村骨干李梅').waitFor();
  const f = (await CareFamilies(j.t.db).findById(overdueId).lean())!;
  expect(f.visitEveryDays).toBe(60);
  expect(f.pairedStaffId).toBeDefined();
  await p.shot('care-14-full-view');
  await expectAccessible(p);
  expect(j.problems()).toEqual([]);
});

test('journey: another town’s admin sees no family, no figures and no printable rows of 马尚街道', async () => {
  const p = await j.open();
  await signIn(p, OTHER_TOWN_ADMIN.username, OTHER_TOWN_ADMIN.password);
  await p.page.getByRole('menuitem', { name: '关怀家庭' }).first().click();
  await p.page.getByText('还没有登记关怀家庭').waitFor();
  await p.page.goto('/admin/care/figures');
  await p.page.locator('[data-test=care-figures]').getByText('还没有登记关怀家庭。').waitFor();
  await p.page.goto('/admin/care/print');
  await p.page.locator('[data-test=care-print]').getByText('没有在册的关怀家庭。').waitFor();
  await p.page.goto(`/admin/care/${overdueId}`);
  await p.page.getByText('关怀家庭不存在').waitFor();
  expect(await p.page.content()).not.toContain('张**');
  await p.shot('care-21-other-town');
  await expectAccessible(p);
});
