import { AuditLog } from '../../src/modules/audit/audit.model';
import { Residents } from '../../src/modules/residents/residents.model';
import { Nominations, Selections, Votes } from '../../src/modules/selections/selections.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { residentLogin, TOWN_MS, VILLAGE_A } from '../helpers/fixtures';
import { PNG_1PX } from '../helpers/selections';
import { bulkResidents } from '../helpers/talks';
import { PHONE, signIn, type ConsolePage } from './browser';
import { expectAccessible, expectConfirmVisible, expectMessageVisible, expectNoPageScrollX, journey, OTHER_TOWN_ADMIN, typeDateTime } from './ui';

// Journey: a town admin creates a round by typing its dates, changes it and opens nominations; a village worker
// nominates a family from a phone with consent and a photo; the town approves it, rejects one with a reason and
// merges a duplicate; voting opens, residents vote (one from a new account, flagged), the live results show clean
// and flagged votes apart, results are published with certificates; another town's admin sees none of it.
const TITLE = '2026年马尚街道幸福家庭评选';
const WORKER = { username: 'dongcun', password: 'dongcun-pass-1' };
const TOWN = { username: 'mashang', password: 'mashang-pass-1' };
jest.setTimeout(180_000);
const j = journey('selections', async (t) => {
  await createStaff(t.app, { ...WORKER, role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村网格员' });
  await createStaff(t.app, { ...TOWN, role: 'town_admin', areaCode: TOWN_MS, displayName: '马尚街道管理员' });
});

/** A Shanghai wall-clock time `days` from now, as the pickers take it. */
const shanghai = (days: number): string => new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

async function step(p: ConsolePage, button: string, status: string): Promise<void> {
  await p.page.locator('[data-test=selection-next]').click();
  const box = await expectConfirmVisible(p, button);
  await box.getByRole('button', { name: button }).click();
  await expectMessageVisible(p, `评选已改为“${status}”`);
  await p.page.locator('[data-test=selection-status]').getByText(status).waitFor();
}

/** A nomination's card, by a piece of its story (names are masked alike in the list). */
const nomination = (p: ConsolePage, story: string) => p.page.locator('[data-test=nominations]').getByRole('article').filter({ hasText: story });
const FIRST = '邻里和睦，热心村里公益';
const DUPLICATE = '重复推荐';
const WEAK = '材料不全';
let id = '';

test('journey: the town admin creates a round by typing its dates, changes the draft and opens nominations', async () => {
  const p = await j.open();
  await signIn(p, TOWN.username, TOWN.password);
  await p.page.getByRole('menuitem', { name: '评选活动' }).first().click();
  await p.page.getByRole('heading', { name: '评选活动' }).waitFor();
  await p.page.getByText('还没有评选活动').waitFor();
  await p.page.locator('[data-test=selection-create]').click();
  await p.page.getByRole('heading', { name: '新建评选' }).waitFor();
  await p.page.getByLabel('活动名称').fill(TITLE);
  await p.page.getByLabel('评选规则').fill('每户推荐一个家庭，事迹真实；每人每天可投票。');
  await typeDateTime(p, '推荐开始', shanghai(-2));
  await typeDateTime(p, '推荐截止', shanghai(-1));
  await typeDateTime(p, '投票开始', shanghai(-1));
  await typeDateTime(p, '投票截止', shanghai(3));
  await p.page.getByLabel('评出名额').fill('1');
  await p.shot('selections-01-create');
  await expectAccessible(p);
  await p.page.locator('[data-test=selection-save]').click();
  await expectMessageVisible(p, '评选已创建（草稿）');
  await p.page.getByRole('heading', { name: TITLE }).waitFor();
  id = p.page.url().split('/').pop()!;

  await p.page.getByRole('button', { name: '修改', exact: true }).click();
  await p.page.getByRole('heading', { name: '修改评选' }).waitFor();
  await p.page.getByLabel('每人每天可投票数').fill('2');
  await p.page.locator('[data-test=selection-save]').click();
  await expectMessageVisible(p, '已保存');
  await p.page.getByText('2 票').waitFor();
  const round = (await Selections(j.t.db).findById(id).lean())!;
  expect(round).toMatchObject({ votesPerDay: 2, winners: 1, areaCode: TOWN_MS, status: 'draft' });

  await step(p, '开始推荐', '推荐中');
  await p.shot('selections-02-nominating');
  await expectAccessible(p);
  await p.page.locator('[data-test=nominate]').click();
  await p.page.getByRole('heading', { name: '推荐候选' }).waitFor();
  await p.shot('selections-03-nominate-desktop');
  expect(j.problems()).toEqual([]);
});

test('journey: a village worker nominates a family from a phone, with the nominee’s consent and a photo', async () => {
  const p = await j.open(PHONE);
  await signIn(p, WORKER.username, WORKER.password);
  await p.page.getByRole('button', { name: '打开菜单' }).click();
  await p.page.getByRole('dialog', { name: '菜单' }).getByRole('menuitem', { name: '评选活动' }).click();
  await p.page.getByRole('link', { name: TITLE }).click();
  await p.page.locator('[data-test=nominate]').click();
  await p.page.getByRole('heading', { name: '推荐候选' }).waitFor();
  await p.page.getByLabel('家庭名称').fill('王建国家庭');
  await p.page.getByLabel('联系电话').fill('13812345678');
  await p.page.getByLabel('事迹', { exact: true }).fill('孝老爱亲，照顾瘫痪老母亲十余年，邻里和睦，热心村里公益。');
  await p.page.locator('[data-test=nominate-photos]').setInputFiles({ name: '全家福.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1PX, 'base64') });
  await p.page.getByText('已征得被推荐人同意公开姓名、事迹和照片').click();
  await p.shot('selections-11-nominate-phone');
  await expectNoPageScrollX(p);
  await expectAccessible(p);
  await p.page.locator('[data-test=nominate-save]').click();
  await expectMessageVisible(p, '推荐已提交，等待镇街审核');
  await nomination(p, FIRST).waitFor();
  await p.shot('selections-12-nominated-phone');
  await expectNoPageScrollX(p);
  await expectAccessible(p);
  const n = (await Nominations(j.t.db).findOne({ selectionId: id }).lean())!;
  expect(n).toMatchObject({ status: 'pending', villageCode: VILLAGE_A, consent: { method: 'signed_form' } });
  expect(JSON.stringify(n)).not.toContain('王建国');
  expect(j.problems()).toEqual([]);
});

test('journey: the town reviews (approve, reject with a reason, merge a duplicate), opens voting, reads live results with flagged votes apart and publishes', async () => {
  const token = (await j.t.request('POST', '/api/admin/v1/auth/login', { body: WORKER })).body.token as string;
  const nominate = (name: string, story: string) =>
    j.t.request('POST', `/api/admin/v1/selections/${id}/nominations`, { token, body: { subject: 'family', name, villageCode: VILLAGE_A, story } });
  expect((await nominate('王建国一家', '孝老爱亲，照顾瘫痪老母亲十余年，重复推荐。')).status).toBe(201);
  expect((await nominate('李四家庭', '材料不全，事迹无法核实的一条推荐。')).status).toBe(201);

  const p = await j.open();
  await signIn(p, TOWN.username, TOWN.password);
  await p.page.goto(`/admin/selections/${id}`);
  await nomination(p, FIRST).waitFor();
  await p.shot('selections-21-review');
  await expectAccessible(p);

  await nomination(p, FIRST).getByRole('button', { name: '通过', exact: true }).click();
  const approve = await expectConfirmVisible(p, '审核通过');
  await approve.getByRole('button', { name: '通过' }).click();
  await expectMessageVisible(p, '已通过');
  await nomination(p, FIRST).getByText('已通过').waitFor();

  await nomination(p, WEAK).getByRole('button', { name: '不通过' }).click();
  const reject = await expectConfirmVisible(p, '审核不通过');
  await reject.getByRole('textbox').fill('事迹无法核实');
  await reject.getByRole('button', { name: '不通过' }).click();
  await expectMessageVisible(p, '已标记为不通过');
  await nomination(p, WEAK).getByText('不通过原因：事迹无法核实').waitFor();

  await nomination(p, DUPLICATE).getByRole('button', { name: '合并重复' }).click();
  const merge = p.page.getByRole('dialog', { name: '合并重复推荐' });
  await merge.getByRole('combobox', { name: '保留的推荐' }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').click();
  await p.page.getByRole('option', { name: '东村 王****（已通过）' }).click();
  await merge.getByRole('button', { name: '合并' }).click();
  await expectMessageVisible(p, '已合并为一条推荐');
  await nomination(p, DUPLICATE).getByText('已合并', { exact: true }).waitFor();

  // The full nomination with its photo: audited.
  await nomination(p, FIRST).getByRole('button', { name: '查看与补充' }).click();
  const drawer = p.page.getByRole('dialog', { name: '推荐详情' });
  await drawer.getByText('王建国家庭').first().waitFor();
  await drawer.getByRole('img', { name: '照片 1' }).waitFor();
  const nid = String((await Nominations(j.t.db).findOne({ selectionId: id, status: 'approved' }).lean())!._id);
  expect(await AuditLog(j.t.db).countDocuments({ action: 'selection.nomination_view', targetId: nid })).toBe(1);
  expect(await AuditLog(j.t.db).countDocuments({ action: 'selection.photo_view', targetId: nid })).toBe(1);
  await p.shot('selections-22-nomination-full');
  await expectAccessible(p);
  await p.page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'hidden' });

  await step(p, '截止推荐，进入审核', '审核中');
  await step(p, '开始投票', '投票中');

  // Three residents of long standing vote; one account made after voting opened votes too, and is flagged.
  const old = await bulkResidents(j.t, 3, { village: VILLAGE_A });
  await Residents(j.t.db).updateMany({ _id: { $in: old.map((r) => r.id) } }, { $set: { createdAt: new Date(Date.now() - 30 * 86_400_000) } });
  const fresh = await residentLogin(j.t, undefined, { consent: true, village: VILLAGE_A });
  for (const r of [...old, fresh]) expect((await j.t.request('POST', `/api/v1/selections/${id}/candidates/${nid}/vote`, { token: r.token })).status).toBe(201);
  expect(await Votes(j.t.db).countDocuments({ selectionId: id, flagged: true })).toBe(1);

  await p.page.getByRole('tab', { name: '投票结果' }).click();
  const row = p.page.locator('[data-test=selection-totals]').getByRole('row').filter({ hasText: '王建国家庭' });
  await row.waitFor();
  expect((await row.innerText()).replace(/\s+/g, ' ').trim()).toBe('东村 王建国家庭 3 1');
  await p.page.locator('[data-test=selection-flagged]').getByText('投票开始后新注册').waitFor();
  await p.shot('selections-23-live-results');
  await expectAccessible(p);

  await step(p, '结束投票', '投票结束');
  await step(p, '公布结果', '已公布');
  await p.page.getByRole('tab', { name: '投票结果' }).click();
  const cert = p.page.locator('[data-test=selection-winners]').getByRole('link', { name: '荣誉证书' });
  await cert.waitFor();
  const svg = await j.t.request('GET', (await cert.getAttribute('href'))!);
  expect(svg.status).toBe(200);
  expect(svg.body).toContain('王建国家庭');
  await p.shot('selections-24-published');
  await expectAccessible(p);
  expect(j.problems()).toEqual([]);
});

test('journey: another town’s admin sees no round, nomination or result of 马尚街道', async () => {
  const p = await j.open();
  await signIn(p, OTHER_TOWN_ADMIN.username, OTHER_TOWN_ADMIN.password);
  await p.page.getByRole('menuitem', { name: '评选活动' }).first().click();
  await p.page.getByText('还没有评选活动').waitFor();
  await p.page.goto(`/admin/selections/${id}`);
  await p.page.getByText('评选活动不存在').waitFor();
  expect(await p.page.content()).not.toContain('王建国');
  await p.shot('selections-31-other-town');
  await expectAccessible(p);
});
