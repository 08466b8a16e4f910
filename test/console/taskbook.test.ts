import { AuditLog } from '../../src/modules/audit/audit.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { Rectifications, TaskbookPhotos, Tasks, TownPlans } from '../../src/modules/taskbook/taskbook.model';
import { TOWN_MS } from '../helpers/fixtures';
import { PNG_1PX } from '../helpers/selections';
import { PHONE, signIn } from './browser';
import { DISTRICT_ADMIN, expectAccessible, expectConfirmVisible, expectMessageVisible, journey, pickOption } from './ui';

// Journeys: the district builds and publishes the year's task book; the town answers with its plan on the timeline
// and the district approves it; progress is shown per town from the platform's figures; on a phone the district
// records a supervision visit with a photo and a rectification item, the town answers it and the district closes it.
const TOWN = { username: 'mashang', password: 'mashang-pass-1' };

jest.setTimeout(240_000);
const j = journey('taskbook', async (t) => {
  await createStaff(t.app, { ...TOWN, role: 'town_admin', areaCode: TOWN_MS, displayName: '马尚街道管理员' });
});

async function openSection(p: Awaited<ReturnType<typeof j.open>>, tab: string): Promise<void> {
  await p.page.goto('/admin/taskbook');
  await p.page.getByRole('heading', { name: '年度任务书' }).waitFor();
  if (tab !== '任务书') await p.page.getByRole('navigation', { name: '任务书栏目' }).getByRole('link', { name: tab }).click();
}

test('journey: the district builds the task book with a figure task and an evidence task and publishes it', async () => {
  const p = await j.open();
  await signIn(p, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await p.page.getByRole('menuitem', { name: '任务书与督导' }).first().click();
  await p.page.getByRole('heading', { name: '年度任务书' }).waitFor();
  await p.page.getByRole('button', { name: '建立任务书' }).click();
  await expectMessageVisible(p, '任务书已建立');

  await p.page.locator('[data-test=task-add]').click();
  const drawer = p.page.getByRole('dialog', { name: '添加任务' });
  await drawer.getByLabel('任务名称').fill('每个镇街举办健康讲座');
  await pickOption(p, '考核指标', '举办讲座、筛查等活动（场）', drawer);
  await drawer.getByLabel('目标值').fill('2');
  // 马尚街道 gets its own, higher target; the other towns keep the common one.
  await drawer.locator('[data-test=task-town-targets]').getByLabel('马尚街道另定目标').fill('3');
  await p.shot('taskbook-01-add-figure-task');
  await expectAccessible(p);
  await drawer.getByRole('button', { name: '保存任务' }).click();
  await expectMessageVisible(p, '任务已添加');
  const figureTask = (await Tasks(j.t.db).findOne({ title: '每个镇街举办健康讲座' }).lean())!;
  expect(figureTask).toMatchObject({ target: 2, townTargets: [{ townCode: TOWN_MS, target: 3 }] });
  await p.page.locator('[data-test=book-tasks]').getByText('（1 个镇街另定）').waitFor();
  // The next save shows the same words: let this message go first, so the check measures the new one.
  await p.page.locator('.el-message').filter({ hasText: '任务已添加' }).waitFor({ state: 'detached' });

  await p.page.locator('[data-test=task-add]').click();
  await drawer.getByLabel('任务名称').fill('建立计生特殊家庭联系人制度');
  await drawer.getByText('材料佐证').click();
  await pickOption(p, '主要任务', '生育关怀', drawer);
  await drawer.getByRole('button', { name: '保存任务' }).click();
  await expectMessageVisible(p, '任务已添加');
  await p.page.locator('[data-test=book-tasks]').getByText('建立计生特殊家庭联系人制度').waitFor();

  await p.page.locator('[data-test=book-publish]').click();
  const confirm = await expectConfirmVisible(p, '下达任务书');
  await p.shot('taskbook-02-publish-confirm');
  await confirm.getByRole('button', { name: '下达' }).click();
  await expectMessageVisible(p, '任务书已下达各镇街');
  await p.page.locator('[data-test=book-status]').getByText('已下达').waitFor();
  await p.shot('taskbook-03-published');
  await expectAccessible(p);
  expect(await AuditLog(j.t.db).countDocuments({ action: 'taskbook.publish' })).toBe(1);
  expect(j.problems()).toEqual([]);
});

test('journey: the town answers with its plan on the timeline and the district approves it; progress shows per town', async () => {
  const town = await j.open();
  await signIn(town, TOWN.username, TOWN.password);
  await openSection(town, '实施计划');
  await town.page.getByRole('heading', { name: '镇街实施计划' }).waitFor();
  const item = town.page.locator('[data-test^=plan-item-]').first();
  await item.locator('.el-checkbox').click();
  await town.page.locator('[data-test^=timeline-]').first().waitFor();
  await town.shot('taskbook-11-town-plan');
  await expectAccessible(town);
  await town.page.locator('[data-test=plan-submit]').click();
  await expectMessageVisible(town, '实施计划已报送区里审核');
  await town.page.locator('[data-test=plan-status]').getByText('待审核').waitFor();

  const district = await j.open();
  await signIn(district, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await openSection(district, '实施计划');
  await district.page.locator('[data-test=plan-status]').getByText('待审核').waitFor();
  // Returning asks why: without a reason it does not go back; cancelled, the plan still waits.
  await district.page.locator('[data-test=plan-return]').click();
  const ask = await expectConfirmVisible(district, '退回实施计划');
  await ask.getByRole('button', { name: '退回' }).click();
  await ask.getByText('请写明原因').waitFor();
  await ask.getByRole('button', { name: '取消' }).click();
  await ask.waitFor({ state: 'hidden' });
  expect((await TownPlans(j.t.db).findOne({ townCode: TOWN_MS }).lean())!.status).toBe('submitted');
  await district.page.locator('[data-test=plan-approve]').click();
  const confirm = await expectConfirmVisible(district, '审核通过');
  await confirm.getByRole('button', { name: '通过' }).click();
  await expectMessageVisible(district, '已通过');
  await district.page.locator('[data-test=plan-status]').getByText('已通过').waitFor();
  await district.shot('taskbook-12-district-plan-approved');
  expect((await TownPlans(j.t.db).findOne({ townCode: TOWN_MS }).lean())!.status).toBe('approved');

  await openSection(district, '任务进度');
  await district.page.getByRole('heading', { name: '任务进度' }).waitFor();
  await district.page.locator('canvas').first().waitFor();
  await district.page.locator(`[data-test=progress-${TOWN_MS}]`).getByText('马尚街道').click();
  await district.page.locator(`[data-test=progress-${TOWN_MS}]`).getByText('每个镇街举办健康讲座').waitFor();
  await district.page.locator(`[data-test=progress-${TOWN_MS}]`).getByText('还差 3').first().waitFor();
  await district.shot('taskbook-13-progress');
  await expectAccessible(district);

  await town.page.goto('/admin/');
  await town.page.locator('[data-test=taskbook-card]').getByText('每个镇街举办健康讲座').first().waitFor();
  await town.shot('taskbook-14-town-start-card');
  expect(j.problems()).toEqual([]);
});

test('journey: on a phone the district records a supervision visit with a photo; the town answers and the district closes the item', async () => {
  const p = await j.open(PHONE);
  await signIn(p, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await p.page.goto('/admin/taskbook/supervision');
  await p.page.locator('[data-test=visit-new]').click();
  await p.page.getByRole('heading', { name: '记录督导' }).waitFor();
  await pickOption(p, '督导的镇街', '马尚街道');
  await p.page.getByLabel('督导人员').fill('区卫健局 王科长');
  await p.page.getByRole('group', { name: '常用检查内容' }).getByRole('button', { name: '宣传栏' }).click();
  await p.page.getByLabel('发现的问题').fill('东村宣传栏内容未更新');
  await p.page.locator('[data-test=visit-photos]').setInputFiles({ name: '宣传栏.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1PX, 'base64') });
  await p.page.locator('[data-test=visit-add-item]').click();
  await p.page.locator('[data-test=visit-item-0]').getByLabel('整改事项').fill('更新东村宣传栏');
  await p.shot('taskbook-21-visit-phone');
  await expectAccessible(p);
  await p.page.locator('[data-test=visit-save]').click();
  await expectMessageVisible(p, '督导已记录，1 项整改已下发');
  await p.page.getByRole('heading', { name: '督导整改' }).waitFor();
  await p.page.locator('[data-test=rectifications]').getByText('更新东村宣传栏').waitFor();
  await p.shot('taskbook-22-rectifications-phone');
  expect(await TaskbookPhotos(j.t.db).countDocuments()).toBe(1);

  const town = await j.open(PHONE);
  await signIn(town, TOWN.username, TOWN.password);
  await town.page.goto('/admin/taskbook/supervision');
  const item = (await Rectifications(j.t.db).findOne({ title: '更新东村宣传栏' }).lean())!;
  await town.page.locator(`[data-test=rect-answer-${String(item._id)}]`).click();
  const dialog = town.page.getByRole('dialog', { name: '反馈整改：更新东村宣传栏' });
  await dialog.getByLabel('整改做了什么').fill('已张贴新一期宣传内容');
  await dialog.locator('[data-test=answer-photos]').setInputFiles({ name: '新宣传栏.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1PX, 'base64') });
  await town.shot('taskbook-23-answer-phone');
  await dialog.locator('[data-test=answer-save]').click();
  await expectMessageVisible(town, '整改情况已反馈');

  await p.page.reload();
  await p.page.locator(`[data-test=rect-review-${String(item._id)}]`).click();
  const review = p.page.getByRole('dialog', { name: '验收：更新东村宣传栏' });
  await review.getByText('已张贴新一期宣传内容').waitFor();
  await review.getByRole('img', { name: '整改照片 1' }).waitFor();
  await p.shot('taskbook-24-review-phone');
  await review.locator('[data-test=rect-close]').click();
  const confirm = await expectConfirmVisible(p, '整改销号');
  await confirm.getByRole('button', { name: '销号' }).click();
  await expectMessageVisible(p, '已销号');
  await p.shot('taskbook-25-closed-phone');
  const closed = (await Rectifications(j.t.db).findById(item._id).lean())!;
  expect(closed).toMatchObject({ status: 'closed', ownerCode: TOWN_MS, closedOnTime: true });
  expect(await AuditLog(j.t.db).countDocuments({ action: 'supervision.rectification_closed' })).toBe(1);
  expect(j.problems()).toEqual([]);
});
