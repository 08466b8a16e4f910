import { createStaff } from '../../src/modules/staff/staff.service';
import { staffLogin, TOWN_MS, VILLAGE_A } from '../helpers/fixtures';
import { createContest, seedQuestionBank } from '../helpers/quiz';
import { PHONE, signIn, type ConsolePage } from './browser';
import { DISTRICT_ADMIN, expectAccessible, expectConfirmVisible, expectNoPageScrollX, journey, rowWith, tableFrame } from './ui';

// Journey: the screens staff found cramped or cut, at 1440×900 and 375×812 — a contest's actions on one line, the
// staff table inside its frame, every compose picker named on screen, the dashboard's pinned area column whole on
// a phone, and a confirm box of a readable width.
const DRAFT = '秋季健康知识竞赛（草稿）';
const j = journey('layout', async (t) => {
  await seedQuestionBank(t.app);
  await createStaff(t.app, { username: 'mashang', password: 'mashang-pass-1', role: 'town_admin', areaCode: TOWN_MS, displayName: '马尚街道管理员' });
  await createStaff(t.app, { username: 'dongcun', password: 'dongcun-pass-1', role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村网格员' });
  const { token } = await staffLogin(t, 'district_admin', '370303', 'layout-admin');
  await createContest(t, token, { title: DRAFT }, false);
  await createContest(t, token, { title: '健康素养知识竞赛' }, true);
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
const box = async (p: ConsolePage, selector: string): Promise<Box[]> =>
  (await p.page.evaluate(
    `[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })`,
  )) as Box[];

test('journey: actions on one line, tables inside their frames, pickers named, the pinned column whole, confirm boxes readable', async () => {
  const d = await j.open();
  await signIn(d, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);

  // ---- contests: a draft's five actions sit on one line inside their column ----
  await d.page.goto('/admin/quiz?tab=contests');
  const draft = rowWith(d, 'contests-table', DRAFT);
  await draft.getByRole('button', { name: '复制为新草稿' }).waitFor();
  await d.shot('layout-01-contests-1440');
  await expectActionsOnOneLine(d, 'contests-table', DRAFT, 5); // 统计 编辑 发布 删除 复制为新草稿
  // every status tag shown whole (no ellipsis)
  const tags = (await d.page.evaluate(
    `[...document.querySelectorAll('[data-test=contests-table] tbody td .el-tag')].map((t) => ({ text: t.textContent.trim(), cut: t.scrollWidth > t.clientWidth + 1 || t.closest('.cell').scrollWidth > t.closest('.cell').clientWidth + 1 }))`,
  )) as Array<{ text: string; cut: boolean }>;
  expect(tags.map((x) => x.text).sort()).toEqual(['已发布', '草稿'].sort());
  expect(tags.filter((x) => x.cut)).toEqual([]);
  await expectAccessible(d);

  // A confirm box reads at a sensible width on a wide screen (measured in expectConfirmVisible).
  await draft.getByRole('button', { name: '删除' }).click();
  const confirm = await expectConfirmVisible(d, '删除草稿');
  await d.shot('layout-02-confirm-1440');
  await confirm.getByRole('button', { name: '取消' }).click();
  await confirm.waitFor({ state: 'detached' });

  // ---- staff: the table stays inside its panel, its first column shown whole ----
  await d.page.goto('/admin/staff');
  await rowWith(d, 'staff-table', 'mashang').waitFor();
  await d.shot('layout-03-staff-1440');
  const staff = await tableFrame(d, 'staff-table');
  const [panel] = await box(d, '.panel:has([data-test=staff-table])');
  const [table] = await box(d, '[data-test=staff-table]');
  const [firstHead] = await box(d, '[data-test=staff-table] thead th:first-child');
  expect(staff.right).toBeLessThanOrEqual(panel!.x + panel!.width);
  expect(staff.content).toBeLessThanOrEqual(staff.frame); // nothing to scroll sideways at 1440
  expect(firstHead!.x).toBeGreaterThanOrEqual(table!.x);
  await expectActionsOnOneLine(d, 'staff-table', 'mashang', 3); // 编辑 重置密码 停用
  await expectNoPageScrollX(d);
  await expectAccessible(d);

  // ---- compose: each picker keeps a visible name once it holds a value ----
  await d.page.goto('/admin/compose');
  await d.page.getByText('选择地区或群').click();
  const targets = d.page.locator('[data-test=targets]');
  for (const name of ['镇街', '村居所在镇街', '村居', '指定的群']) {
    await targets.locator('.picker-label').getByText(name, { exact: true }).waitFor();
    await targets.getByRole('combobox', { name, exact: true }).waitFor();
  }
  await d.page.getByText('定时宣传活动').click();
  await d.page.locator('.picker-label').getByText('发送日期和时间', { exact: true }).waitFor();
  await d.page.getByText('每周', { exact: true }).click();
  for (const name of ['每周哪一天', '发送时间', '结束日期（选填）']) await d.page.locator('.picker-label').getByText(name, { exact: true }).waitFor();
  await d.shot('layout-04-compose-1440');
  await expectAccessible(d);

  const worker = await j.open(PHONE);
  await signIn(worker, 'dongcun', 'dongcun-pass-1');
  await worker.page.goto('/admin/compose');
  await worker.page.getByText('选择地区或群').click();
  await worker.page.locator('[data-test=targets] .picker-label').getByText('指定的群', { exact: true }).waitFor();
  await worker.page.getByText('定时宣传活动').click();
  await worker.page.locator('.picker-label').getByText('发送日期和时间', { exact: true }).waitFor();
  await expectNoPageScrollX(worker);
  await worker.shot('layout-05-compose-375');
  await expectAccessible(worker);

  // ---- dashboard on a phone: the pinned area column is whole, also once the rest has scrolled under it ----
  const town = await j.open(PHONE);
  await signIn(town, 'mashang', 'mashang-pass-1');
  await rowWith(town, 'dash-table', '东村').waitFor();
  await expectPinnedWhole(town, ['地区', '马尚街道（合计）', '东村', '西村'], 'layout-06-dashboard-town-375');
  await expectNoPageScrollX(town);
  await expectAccessible(town);
  // the district's rows are towns, each a button that drills down
  await d.page.setViewportSize(PHONE);
  await d.page.goto('/admin/');
  await rowWith(d, 'dash-table', '四宝山街道').waitFor();
  await expectPinnedWhole(d, ['地区', '张店区（合计）', '马尚街道 ›'], 'layout-07-dashboard-district-375');
  await expectNoPageScrollX(d);
  await expectAccessible(d);

  for (const p of [d, worker, town]) expect(p.problems).toEqual([]);
}, 240_000);

/**
 * The dashboard table's pinned first column (`texts` among its cells) shows every cell whole and inside the screen,
 * and stays on top of the other columns when they are scrolled all the way under it.
 */
async function expectPinnedWhole(p: ConsolePage, texts: string[], shot: string): Promise<void> {
  await p.page.locator('[data-test=dash-table]').scrollIntoViewIfNeeded();
  const view = p.page.viewportSize()!;
  for (const scrolled of [false, true]) {
    if (scrolled)
      await p.page.evaluate(`(() => {
        const w = document.querySelector('[data-test=dash-table] .el-table__body-wrapper .el-scrollbar__wrap');
        w.scrollLeft = w.scrollWidth;
        w.dispatchEvent(new Event('scroll'));
      })()`);
    await p.page.waitForTimeout(300);
    await p.shot(`${shot}${scrolled ? '-scrolled' : ''}`);
    const cells = (await p.page.evaluate(`[...document.querySelectorAll('[data-test=dash-table] tr > :first-child')].map((td) => {
      const c = td.querySelector('.cell');
      const r = td.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + 8, r.top + r.height / 2);
      return { text: c.textContent.trim(), left: r.left, right: r.right, clipped: c.scrollWidth > c.clientWidth + 1, onTop: !!hit && td.contains(hit) };
    })`)) as Array<{ text: string; left: number; right: number; clipped: boolean; onTop: boolean }>;
    expect(cells.map((c) => c.text)).toEqual(expect.arrayContaining(texts));
    for (const c of cells) {
      expect(c).toMatchObject({ text: c.text, clipped: false, onTop: true });
      expect(c.left).toBeGreaterThanOrEqual(0);
      expect(c.right).toBeLessThanOrEqual(view.width);
    }
  }
}

/** The pinned actions of a table's row (the one holding `rowText`): `n` of them, on one line, inside their cell. */
async function expectActionsOnOneLine(p: ConsolePage, table: string, rowText: string, n: number): Promise<void> {
  const { cell, items } = (await p.page.evaluate(`(() => {
    const rect = (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; };
    const row = [...document.querySelectorAll('[data-test=${table}] tbody tr')].find((r) => r.textContent.includes(${JSON.stringify(rowText)}));
    const td = row.querySelector('td.el-table-fixed-column--right');
    return { cell: rect(td), items: [...td.querySelectorAll('.cell > a, .cell > button')].map(rect) };
  })()`)) as { cell: Box; items: Box[] };
  expect(items).toHaveLength(n);
  const middles = items.map((a) => a.y + a.height / 2);
  expect(Math.max(...middles) - Math.min(...middles)).toBeLessThan(Math.min(...items.map((a) => a.height)) / 2);
  for (const a of items) expect(a.x + a.width).toBeLessThanOrEqual(cell.x + cell.width);
}
