import { createStaff } from '../../src/modules/staff/staff.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, TOWN_MS } from '../helpers/fixtures';
import { DESKTOP, launchChromium, PHONE, signIn, type Chromium, type ConsolePage } from './browser';
import { DISTRICT_ADMIN, expectAccessible, expectNoPageScrollX, pageKeeper, tableFrame } from './ui';

// Journey: on a fresh install the district admin's start page lists the first three steps, ticking each one done;
// the dashboard table fits a desktop, and on a phone wide tables scroll inside their own frame, never the page.
let t: TestApp;
let chrome: Chromium;
const keeper = pageKeeper(
  () => chrome,
  () => t.url,
  'first-steps',
);

beforeAll(async () => {
  // Nothing but the district admin: no villages, no other staff, no bound group.
  t = await startTestApp({ now: new Date().toISOString() });
  await createStaff(t.app, { ...DISTRICT_ADMIN, role: 'district_admin', areaCode: '370303', displayName: '区卫健局管理员' });
  chrome = await launchChromium();
}, 120_000);
afterAll(async () => {
  await keeper.finish();
  await chrome?.close();
  await t?.close();
});

const step = (p: ConsolePage, key: string) => p.page.locator(`[data-test=first-step-${key}]`);
async function expectDone(p: ConsolePage, done: Record<'villages' | 'staff' | 'groups', boolean>): Promise<void> {
  for (const [key, value] of Object.entries(done))
    await step(p, key)
      .and(p.page.locator(`[data-done=${value}]`))
      .waitFor();
}

test('journey: the first steps on a fresh install, and wide tables on a phone', async () => {
  const d = await keeper.open();
  await signIn(d, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  const steps = d.page.locator('[data-test=first-steps]');
  await steps.getByText('第一步：').waitFor();
  await expectDone(d, { villages: false, staff: false, groups: false });
  expect(await steps.getByRole('listitem').allInnerTexts()).toEqual([
    expect.stringMatching(/^1\s*第一步：导入村居/),
    expect.stringMatching(/^2\s*第二步：添加工作人员/),
    expect.stringMatching(/^3\s*第三步：绑定群/),
  ]);
  await d.shot('first-steps-01-fresh');
  await expectAccessible(d);
  // Each step's link opens the screen where it is done.
  await steps.getByRole('link', { name: '导入村居' }).click();
  await d.page.getByRole('heading', { name: '村居管理' }).waitFor();
  await d.page.goBack();
  await steps.getByRole('link', { name: '添加工作人员' }).click();
  await d.page.getByRole('heading', { name: '人员管理' }).waitFor();
  await d.page.goBack();
  await steps.getByRole('link', { name: '绑定群' }).click();
  await d.page.getByRole('tab', { name: '我的群', selected: true }).waitFor();
  await d.page.goBack();

  // Villages imported and a town admin added: the first two steps are ticked, the third still to do.
  await seedVillages(t);
  await createStaff(t.app, { username: 'mashang', password: 'mashang-pass-1', role: 'town_admin', areaCode: TOWN_MS, displayName: '马尚街道管理员' });
  await d.page.reload();
  await expectDone(d, { villages: true, staff: true, groups: false });
  await steps.getByText('（已完成）').first().waitFor();
  expect(await steps.getByText('（已完成）').count()).toBe(2);
  await d.page.locator('[data-test=dash-table]').getByText('马尚街道').waitFor();
  await d.shot('first-steps-02-two-done');
  await expectAccessible(d);
  // At 1440×900 the dashboard table shows every column: nothing is cut off or hidden behind a scroll bar.
  await d.page.locator('[data-test=dash-table]').scrollIntoViewIfNeeded();
  const desk = await tableFrame(d, 'dash-table');
  expect(desk.content).toBeLessThanOrEqual(desk.frame);
  expect(desk.right).toBeLessThanOrEqual(DESKTOP.width);
  await expectNoPageScrollX(d);
  await d.shot('first-steps-03-dashboard-table');

  // On a phone the same table scrolls inside its frame; the page stays put.
  const phone = await keeper.open(PHONE);
  await signIn(phone, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await phone.page.locator('[data-test=first-steps]').waitFor();
  await phone.page.locator('[data-test=dash-table]').getByText('马尚街道').waitFor();
  await phone.shot('first-steps-04-phone-start');
  await expectNoPageScrollX(phone);
  const narrow = await tableFrame(phone, 'dash-table');
  expect(narrow.content).toBeGreaterThan(narrow.frame);
  expect(narrow.right).toBeLessThanOrEqual(PHONE.width);
  await phone.page.locator('[data-test=dash-table]').scrollIntoViewIfNeeded();
  await phone.shot('first-steps-05-phone-table');
  await expectAccessible(phone);
  // The other wide tables a manager meets first do the same.
  for (const [menu, table] of [
    ['村居管理', 'villages-table'],
    ['人员管理', 'staff-table'],
  ] as const) {
    await phone.page.getByRole('button', { name: '打开菜单' }).click();
    await phone.page.getByRole('dialog', { name: '菜单' }).getByRole('menuitem', { name: menu }).click();
    const frame = await tableFrame(phone, table);
    expect(frame.right).toBeLessThanOrEqual(PHONE.width);
    await expectNoPageScrollX(phone);
    await phone.shot(`first-steps-06-phone-${table}`);
  }

  expect(keeper.problems()).toEqual([]);
}, 240_000);
