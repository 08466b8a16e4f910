import { ConsultExperts } from '../../src/modules/consult/consult.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { Experts } from '../../src/modules/talks/talks.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages } from '../helpers/fixtures';
import { launchChromium, PHONE, signIn, type Chromium, type ConsolePage } from './browser';
import { expectAccessible, pickOption as pick } from './ui';

// Journey: the first district admin (made with `npm run staff:create`) creates a town admin and a village worker,
// by clicking and typing only; each of them signs in and sees only what their role and area allow.
let t: TestApp;
let chrome: Chromium;
const pages: ConsolePage[] = [];
beforeAll(async () => {
  t = await startTestApp({ now: new Date().toISOString() });
  await seedVillages(t);
  await createStaff(t.app, { username: 'district', password: 'district-pass-1', role: 'district_admin', areaCode: '370303', displayName: '区卫健局管理员' });
  await Experts(t.db).create({
    name: '李医生',
    hospital: '张店区妇幼保健院',
    title: '主任医师',
    specialties: ['产科'],
    active: true,
    createdAt: t.clock.now(),
  });
  await createStaff(t.app, { username: 'nanding', password: 'nanding-pass-1', role: 'town_admin', areaCode: '370303-Z-ND', displayName: '南定镇管理员' });
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  // The last state of every page, to see where a failed journey stopped.
  for (const [i, p] of pages.entries()) {
    await p.shot(`staff-zz-last-${i}`).catch(() => undefined);
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

/** The select inside the open dialog. */
const pickOption = (p: ConsolePage, label: string, option: string) => pick(p, label, option, p.page.getByRole('dialog'));

async function createStaffInDialog(
  p: ConsolePage,
  f: { role?: string; town?: string; village?: string; expert?: string; topics?: string[]; username: string; name: string; password: string },
): Promise<void> {
  await p.page.getByRole('button', { name: '新建人员' }).click();
  const dialog = p.page.getByRole('dialog', { name: '新建人员' });
  await dialog.waitFor();
  if (f.role) await pickOption(p, '角色', f.role);
  if (f.town) await pickOption(p, '镇街', f.town);
  if (f.village) await pickOption(p, '村居', f.village);
  if (f.expert) await pickOption(p, '专家库中的专家', f.expert);
  for (const topic of f.topics ?? []) await pickOption(p, '回答的咨询主题', topic);
  if (f.topics) await dialog.locator('.el-dialog__title').click(); // closes the topics' list, as a click beside it would
  await dialog.getByLabel('用户名（登录用）').fill(f.username);
  await dialog.getByLabel('姓名').fill(f.name);
  await dialog.getByLabel('初始密码（至少 10 位）').fill(f.password);
  await dialog.getByRole('button', { name: '创建' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await p.page.getByRole('cell', { name: f.username, exact: true }).waitFor();
}

test('the root page links the console and the API document; /admin/ is the console with its own headers', async () => {
  const home = await fetch(`${t.url}/`);
  expect(home.status).toBe(200);
  const html = await home.text();
  expect(html).toContain('href="/admin/"');
  expect(html).toContain('href="/api/openapi.json"');
  const spa = await fetch(`${t.url}/admin/staff`);
  expect(spa.status).toBe(200);
  expect(spa.headers.get('cache-control')).toBe('no-cache');
  expect(spa.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(spa.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  const asset = /src="\/admin\/(assets\/[^"]+\.js)"/.exec(await spa.text())?.[1];
  const js = await fetch(`${t.url}/admin/${asset}`);
  expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect((await fetch(`${t.url}/admin/assets/missing.js`)).status).toBe(404);
  expect((await fetch(`${t.url}/admin/..%2f..%2fpackage.json`)).headers.get('content-type')).toContain('text/html');
  // The API keeps its strict policy.
  expect((await fetch(`${t.url}/healthz`)).headers.get('content-security-policy')).toContain("default-src 'none'");
});

test('journey: the district admin creates a town admin and a village worker; each sees only their part', async () => {
  const d = await open();
  await d.page.goto('/admin/');
  await d.page.waitForURL('**/admin/login');
  await d.shot('01-login');
  await expectAccessible(d);

  // A wrong password says so, in Chinese, and lets the person try again.
  await d.page.getByLabel('用户名').fill('district');
  await d.page.getByLabel('密码').fill('not-the-password');
  await d.page.getByRole('button', { name: '登录' }).click();
  await d.page.getByRole('alert').filter({ hasText: '用户名或密码不正确' }).waitFor();
  await d.shot('02-login-wrong-password');

  await signIn(d, 'district', 'district-pass-1');
  await d.page.getByRole('heading', { name: '您好，区卫健局管理员' }).waitFor();
  await d.shot('03-home-district');
  await expectAccessible(d);

  await d.page.getByRole('menuitem', { name: '人员管理' }).first().click();
  await d.page.getByRole('heading', { name: '人员管理' }).waitFor();
  await createStaffInDialog(d, { town: '马尚街道', username: 'mashang', name: '马尚街道管理员', password: 'mashang-pass-1' });
  await createStaffInDialog(d, {
    role: '村居工作人员',
    town: '马尚街道',
    village: '东村',
    username: 'dongcun',
    name: '东村网格员',
    password: 'dongcun-pass-1',
  });
  // An expert account: no area to choose; it is linked to its entry in the expert pool and the topics it answers.
  await d.page.getByRole('button', { name: '新建人员' }).click();
  await pickOption(d, '角色', '咨询专家');
  expect(await d.page.getByRole('dialog', { name: '新建人员' }).getByRole('combobox', { name: '镇街', exact: true }).count()).toBe(0);
  await d.page.getByRole('dialog', { name: '新建人员' }).getByRole('button', { name: '创建' }).click();
  await d.page.getByRole('dialog', { name: '新建人员' }).getByText('请选择专家库中的专家').waitFor();
  await d.shot('04a-staff-create-expert-missing-link');
  await d.page.getByRole('dialog', { name: '新建人员' }).getByRole('button', { name: '取消' }).click();
  await d.page.getByRole('dialog', { name: '新建人员' }).waitFor({ state: 'hidden' });
  await createStaffInDialog(d, {
    role: '咨询专家',
    expert: '李医生（张店区妇幼保健院 主任医师）',
    topics: ['孕产期'],
    username: 'expert-li',
    name: '李医生',
    password: 'expert-li-pass-1',
  });
  const linked = await ConsultExperts(t.db).findOne({}).lean();
  expect(linked?.name).toBe('李医生');
  expect(linked?.topics).toEqual(['pregnancy']);
  // 编辑 shows the link and changes its topics.
  await d.page
    .getByRole('row', { name: /expert-li/ })
    .getByRole('button', { name: '编辑' })
    .click();
  const edit = d.page.getByRole('dialog', { name: '编辑人员' });
  await edit.locator('.el-select__wrapper').filter({ hasText: '孕产期' }).waitFor();
  await pick(d, '回答的咨询主题', '婴幼儿照护', edit);
  await edit.locator('.el-dialog__title').click();
  await d.shot('04b-staff-edit-expert');
  await expectAccessible(d);
  await edit.getByRole('button', { name: '保存' }).click();
  await edit.waitFor({ state: 'hidden' });
  expect((await ConsultExperts(t.db).findOne({ staffId: linked?.staffId }).lean())?.topics).toEqual(['pregnancy', 'infant_care']);
  await d.shot('04-staff-list-district');
  await expectAccessible(d);

  // A field error from the API is shown beside its field.
  await d.page.getByRole('button', { name: '新建人员' }).click();
  const dialog = d.page.getByRole('dialog', { name: '新建人员' });
  await pickOption(d, '镇街', '南定镇');
  await dialog.getByLabel('用户名（登录用）').fill('mashang');
  await dialog.getByLabel('初始密码（至少 10 位）').fill('another-pass-1');
  await dialog.getByRole('button', { name: '创建' }).click();
  await dialog.getByText('用户名已被使用').waitFor();
  await d.shot('05-staff-create-field-error');
  await expectAccessible(d);
  await dialog.getByRole('button', { name: '取消' }).click();

  // The town admin signs in: the staff list holds their town only; they reset the village worker's password.
  const town = await open();
  await signIn(town, 'mashang', 'mashang-pass-1');
  // The password the district admin chose: the first sign-in opens 我的账号 and nothing else works until a new one is set.
  await town.page.locator('[data-test=first-password]').waitFor();
  await town.page.getByRole('menuitem', { name: '人员管理' }).first().click();
  await town.page.getByRole('heading', { name: '我的账号' }).waitFor();
  expect(await town.page.getByRole('heading', { name: '人员管理' }).count()).toBe(0);
  await town.page.locator('.el-descriptions').getByText('马尚街道', { exact: true }).waitFor(); // 管辖地区 by name, not code
  await town.shot('06a-first-sign-in-new-password');
  await expectAccessible(town);
  await town.page.getByLabel('当前密码').fill('mashang-pass-1');
  await town.page.getByLabel('新密码（至少 10 位）').fill('a-long-password');
  await town.page.getByLabel('再次输入新密码').fill('a-long-password');
  await town.page.getByRole('button', { name: '修改密码' }).click();
  await town.page.getByText('这个密码太常见，容易被猜到，请换一个').waitFor();
  await town.page.getByLabel('新密码（至少 10 位）').fill('mashang-own-pass-2');
  await town.page.getByLabel('再次输入新密码').fill('mashang-own-pass-2');
  await town.page.getByRole('button', { name: '修改密码' }).click();
  await town.page.getByText('密码已修改').waitFor();
  await town.page.getByRole('menuitem', { name: '人员管理' }).first().click();
  const table = town.page.locator('[data-test=staff-table]');
  await table.getByRole('cell', { name: 'dongcun', exact: true }).waitFor();
  expect(await table.getByRole('cell', { name: 'district', exact: true }).count()).toBe(0);
  expect(await table.getByRole('cell', { name: 'nanding', exact: true }).count()).toBe(0);
  await town.page
    .getByRole('row', { name: /dongcun/ })
    .getByRole('button', { name: '重置密码' })
    .click();
  await town.page.getByLabel('新密码（至少 10 位）').fill('reset-by-town-1');
  await town.page.getByRole('button', { name: '确定重置' }).click();
  await town.page.getByText('密码已重置').waitFor();
  await town.shot('06-staff-list-town');

  // The village worker, on a phone, signs in with the password the town set: no staff menu; 我的账号 asks for a new one.
  const worker = await open(PHONE);
  await signIn(worker, 'dongcun', 'reset-by-town-1');
  await worker.page.locator('[data-test=first-password]').waitFor();
  await worker.shot('07-first-sign-in-village-phone');
  await expectAccessible(worker);
  await worker.page.getByRole('button', { name: '打开菜单' }).click();
  await worker.page.getByRole('dialog', { name: '菜单' }).waitFor();
  expect(await worker.page.getByRole('menuitem', { name: '人员管理' }).count()).toBe(0);
  expect(await worker.page.getByRole('menuitem', { name: '审计日志' }).count()).toBe(0);
  await worker.shot('08-menu-village-phone');
  await worker.page.getByRole('dialog', { name: '菜单' }).getByRole('menuitem', { name: '我的账号' }).click();
  await worker.page.getByLabel('当前密码').fill('wrong-current-1');
  await worker.page.getByLabel('新密码（至少 10 位）').fill('my-own-pass-12');
  await worker.page.getByLabel('再次输入新密码').fill('my-own-pass-12');
  await worker.page.getByRole('button', { name: '修改密码' }).click();
  await worker.page.getByText('当前密码不正确').waitFor();
  await worker.shot('09-account-wrong-password-phone');
  await worker.page.getByLabel('当前密码').fill('reset-by-town-1');
  await worker.page.getByRole('button', { name: '修改密码' }).click();
  await worker.page.getByText('密码已修改').waitFor();
  await expectAccessible(worker);

  // Another town's admin sees only their own town's staff (here: themself), none of 马尚's.
  const other = await open();
  await signIn(other, 'nanding', 'nanding-pass-1');
  await other.page.getByRole('menuitem', { name: '人员管理' }).first().click();
  const otherTable = other.page.locator('[data-test=staff-table]');
  await otherTable.getByRole('cell', { name: 'nanding', exact: true }).waitFor();
  for (const name of ['mashang', 'dongcun', 'district']) expect(await otherTable.getByRole('cell', { name, exact: true }).count()).toBe(0);
  // searching for 马尚's staff finds nothing, and says so
  await other.page.getByLabel('搜索用户名或姓名').fill('dongcun');
  await other.page.getByRole('button', { name: '查询' }).click();
  await other.page.getByText('还没有符合条件的人员').waitFor();
  expect(await otherTable.getByRole('cell', { name: 'nanding', exact: true }).count()).toBe(0);
  await other.shot('10-staff-list-other-town');
  await expectAccessible(other);

  // The district admin disables the village worker: the worker's open console is sent back to login at once.
  await d.page.reload();
  await d.page
    .getByRole('row', { name: /dongcun/ })
    .getByRole('button', { name: '停用' })
    .click();
  await d.page.getByRole('dialog', { name: '停用账号' }).getByRole('button', { name: '停用' }).click();
  await d.page
    .getByRole('row', { name: /dongcun/ })
    .getByText('已停用')
    .waitFor();
  await worker.page.reload();
  await worker.page.waitForURL('**/admin/login**');
  await worker.page.getByText('登录已失效').waitFor();
  await worker.shot('11-login-expired-phone');

  // The audit log shows who did it (district and town admins have the screen; village workers do not).
  await d.page.getByRole('menuitem', { name: '审计日志' }).first().click();
  await d.page.getByRole('heading', { name: '审计日志' }).waitFor();
  await d.page.getByRole('combobox', { name: '操作' }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').click();
  await d.page.waitForTimeout(400);
  await d.page.getByRole('option', { name: '停用人员', exact: true }).filter({ visible: true }).click();
  const auditRow = d.page.locator('[data-test=audit-table]').getByRole('row', { name: /停用人员/ });
  await auditRow.filter({ hasText: '人员：dongcun' }).filter({ hasText: '用户名：dongcun' }).waitFor();
  expect(await auditRow.count()).toBe(1);
  await d.shot('12-audit-log');
  await expectAccessible(d);
  // Labels, names and area names, not codes: who was created, with which role, for which area.
  await d.page.getByRole('combobox', { name: '操作' }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').click();
  await d.page.waitForTimeout(400);
  await d.page.getByRole('option', { name: '新建人员', exact: true }).filter({ visible: true }).click();
  const created = d.page
    .locator('[data-test=audit-table]')
    .getByRole('row', { name: /新建人员/ })
    .filter({ hasText: '人员：mashang（马尚街道管理员）' });
  await created.filter({ hasText: '角色：镇街管理员；地区：马尚街道' }).waitFor();
  const shown = await d.page.locator('[data-test=audit-table]').innerText();
  for (const raw of ['town_admin', 'village_worker', '370303-JD-MS', 'staff ·']) expect(shown).not.toContain(raw);
  await d.shot('12a-audit-log-labels');

  // Logging out revokes the token on the server, not only in the browser.
  const token = await d.page.evaluate("JSON.parse(localStorage.getItem('zdhealth.console.session')).token");
  await d.page.getByRole('button', { name: '退出登录' }).click();
  await d.page.waitForURL('**/admin/login');
  expect((await t.request('GET', '/api/admin/v1/me', { token: String(token) })).status).toBe(401);

  for (const p of pages) expect(p.problems).toEqual([]);
}, 240_000);
