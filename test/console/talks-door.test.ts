import type { Locator } from 'playwright-core';
import { createStaff } from '../../src/modules/staff/staff.service';
import { WalkIns } from '../../src/modules/talks/talks.model';
import { TOWN_MS, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { bulkResidents, publishedTalk } from '../helpers/talks';
import { DESKTOP, PHONE, signIn } from './browser';
import { expectAccessible, expectConfirmVisible, expectMessageVisible, expectNoPageScrollX, journey } from './ui';

// Journey: a village worker on a phone finds the town's session their residents signed up for on the start page
// (they cannot edit, stop or cancel it), finds a resident by the phone's last 4 digits, marks and undoes (asked
// first), adds a walk-in without a phone; under 今天 / 本周 today's session comes first and tomorrow's says when
// marking opens; a village worker of another town sees none of it.
const TOWN_TALK = '马尚街道孕前优生健康讲座';
const LATER_TALK = '马尚街道两癌筛查';
const j = journey('talks-door', async (t) => {
  await createStaff(t.app, { username: 'mashang', password: 'mashang-pass-1', role: 'town_admin', areaCode: TOWN_MS, displayName: '马尚街道管理员' });
  await createStaff(t.app, { username: 'dongcun', password: 'dongcun-pass-1', role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村网格员' });
  await createStaff(t.app, { username: 'nancun', password: 'nancun-pass-1', role: 'village_worker', areaCode: VILLAGE_C, displayName: '南村网格员' });
  const town = await t.request('POST', '/api/admin/v1/auth/login', { body: { username: 'mashang', password: 'mashang-pass-1' } });
  // held for the whole town (整个镇街), starting in 40 minutes, and another tomorrow
  const now = await publishedTalk(t, town.body.token, { title: TOWN_TALK, areaCode: TOWN_MS, capacity: 30 }, 40 / 60);
  const later = await publishedTalk(t, town.body.token, { title: LATER_TALK, areaCode: TOWN_MS, capacity: 30 }, 24);
  for (const [village, n] of [
    [VILLAGE_A, 12],
    [VILLAGE_B, 3],
  ] as const) {
    for (const r of await bulkResidents(t, n, { village })) {
      for (const talk of [now, later]) await t.request('POST', `/api/v1/talks/${talk.id}/registrations`, { token: r.token, body: {} });
    }
  }
});

/** Taps (clicks) a field task takes, counted as the journey goes. */
let taps = 0;
const tap = async (l: Locator): Promise<void> => {
  taps++;
  await l.click();
};

test('journey: a village worker at the door of the town’s session on a phone; another town’s village worker sees none of it', async () => {
  const w = await j.open(PHONE);
  await signIn(w, 'dongcun', 'dongcun-pass-1');

  // ---- attendance of one resident, counted from the start page: today's session is on it ----
  taps = 0;
  const todays = w.page.locator('[data-test=today-talks]');
  await todays.getByText(TOWN_TALK).waitFor();
  expect(await todays.getByText(LATER_TALK).count()).toBe(0); // tomorrow's is not today's
  await w.shot('talks-door-00-start-today-phone');
  await expectNoPageScrollX(w);
  await expectAccessible(w);
  await tap(todays.getByRole('button', { name: '到场签到' }));
  const list = w.page.locator('[data-test=attendance-list]');
  await list.locator('li.card').first().waitFor();
  expect(await list.locator('li.card').count()).toBe(12); // their 12 residents, not 西村's 3
  await w.page.getByText('这是上级举办的活动').waitFor();
  for (const name of ['修改', '停止报名', '取消活动', '发布']) expect(await w.page.getByRole('button', { name, exact: true }).count()).toBe(0);
  const search = w.page.getByRole('textbox', { name: '查找居民：姓名或手机号后 4 位' });
  await tap(search);
  await search.fill('0007');
  for (let i = 0; i < 50 && (await list.locator('li.card').count()) !== 1; i++) await w.page.waitForTimeout(200);
  expect(await list.locator('li.card').count()).toBe(1);
  expect(await list.locator('li.card strong').innerText()).toBe('居**');
  await tap(list.getByRole('button', { name: '到场', exact: true }));
  await list.getByRole('button', { name: '撤销' }).waitFor();
  const attendanceTaps = taps;
  await w.shot('talks-door-02-attendance-search-phone');
  await expectNoPageScrollX(w);
  await expectAccessible(w);

  // undo asks first: 不撤销 keeps the mark, 撤销到场 removes it
  await list.getByRole('button', { name: '撤销' }).click();
  let confirm = await expectConfirmVisible(w, '撤销到场');
  await w.shot('talks-door-03-undo-asks-phone');
  await expectNoPageScrollX(w);
  await expectAccessible(w);
  await confirm.getByRole('button', { name: '不撤销' }).click();
  await list.getByRole('button', { name: '撤销' }).waitFor();
  await list.getByRole('button', { name: '撤销' }).click();
  confirm = await expectConfirmVisible(w, '撤销到场');
  await confirm.getByRole('button', { name: '撤销到场' }).click();
  await list.getByRole('button', { name: '到场', exact: true }).waitFor();

  // ---- a walk-in without a phone: name, sex and birth year (their village is filled in) ----
  taps = 0;
  const form = w.page.locator('[data-test=walk-in-form]');
  await tap(form.getByLabel('姓名', { exact: true }));
  await form.getByLabel('姓名', { exact: true }).fill('李秀英');
  await tap(form.getByRole('button', { name: '添加到场人员' }));
  await form.getByText('没有手机号时请选择性别').waitFor();
  await w.shot('talks-door-04-walk-in-needs-phone');
  await expectNoPageScrollX(w);
  await expectAccessible(w);
  await tap(form.getByText('女', { exact: true }));
  await tap(form.getByLabel('出生年份', { exact: true }));
  await form.getByLabel('出生年份', { exact: true }).fill('1948');
  await tap(form.getByRole('button', { name: '添加到场人员' }));
  await expectMessageVisible(w, '已登记 李秀英 到场');
  await w.page.locator('[data-test=walk-in-list]').getByText('东村 · 无手机').waitFor();
  const walkInTaps = taps;
  expect(await WalkIns(j.t.db).countDocuments({ villageCode: VILLAGE_A })).toBe(1);
  await w.shot('talks-door-05-walk-in-phone');
  await expectNoPageScrollX(w);
  await expectAccessible(w);
  console.log(`taps: attendance of one resident ${attendanceTaps}, walk-in without a phone ${walkInTaps} (the first tap on 添加 shows what is missing)`);

  // ---- 今天 / 本周 from the menu: today's session first; tomorrow's is not open for marking yet, and says from when ----
  await w.page.getByRole('button', { name: '打开菜单' }).click();
  await w.page.getByRole('dialog', { name: '菜单' }).getByRole('menuitem', { name: '讲座与筛查' }).click();
  const week = w.page.locator('[data-test=talk-week]');
  await week.getByRole('link', { name: TOWN_TALK }).waitFor();
  await week.getByRole('link', { name: LATER_TALK }).waitFor();
  expect(await week.locator('li.card.today').getByRole('link').allInnerTexts()).toEqual([TOWN_TALK]);
  await w.shot('talks-door-01-week-phone');
  await expectNoPageScrollX(w);
  await expectAccessible(w);
  await week.getByRole('button', { name: '到场签到' }).nth(1).click();
  await w.page.locator('[data-test=attendance-not-open]').getByText('还不能登记到场').waitFor();
  expect(await w.page.locator('[data-test=attendance-list]').getByRole('button', { name: '到场', exact: true }).first().isDisabled()).toBe(true);
  await w.shot('talks-door-06-not-open-phone');
  await expectNoPageScrollX(w);
  await expectAccessible(w);

  // ---- the same screens at the desk ----
  const desk = await j.open(DESKTOP);
  await signIn(desk, 'dongcun', 'dongcun-pass-1');
  await desk.page.goto('/admin/talks');
  await desk.page.locator('[data-test=talk-week]').getByRole('link', { name: TOWN_TALK }).waitFor();
  await desk.shot('talks-door-07-week-desktop');
  await desk.page.locator('[data-test=talk-week] li.card.today').getByRole('button', { name: '到场签到' }).click();
  await desk.page.locator('[data-test=attendance-list] li.card').first().waitFor();
  await desk.shot('talks-door-08-attendance-desktop');
  await expectAccessible(desk);

  // ---- a village worker of another town sees none of it ----
  const other = await j.open(PHONE);
  await signIn(other, 'nancun', 'nancun-pass-1');
  await other.page.locator('[data-test=dash-area]').waitFor();
  await other.page.waitForLoadState('networkidle');
  expect(await other.page.locator('[data-test=today-talks]').count()).toBe(0); // no session of theirs today
  await other.page.goto('/admin/talks');
  await other.page.locator('[data-test=talk-week-empty]').waitFor();
  expect(await other.page.getByText(TOWN_TALK).count()).toBe(0);
  const talkUrl = w.page.url().replace(/\?.*$/, '');
  await other.page.goto(`${talkUrl}?tab=attendance`);
  await other.page.getByText('不在您的管辖范围内').waitFor();
  expect(await other.page.getByText(TOWN_TALK).count()).toBe(0);
  expect(await other.page.locator('[data-test=attendance-list]').count()).toBe(0);
  await other.shot('talks-door-09-other-town-phone');
  await expectNoPageScrollX(other);
  await expectAccessible(other);

  expect(j.problems()).toEqual([]);
}, 300_000);
