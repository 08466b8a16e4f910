import ExcelJS from 'exceljs';
import { types } from 'wechaty';
import { importVillages } from '../../src/modules/areas/areas.service';
import { schedulerTick } from '../../src/modules/campaigns';
import { createStaff } from '../../src/modules/staff/staff.service';
import { shanghaiAt, shanghaiDay, shanghaiTime } from '../../src/lib/shanghai';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, TOWN_MS, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { waitFor, World } from '../bot/world';
import { launchChromium, PHONE, signIn, type Chromium, type ConsolePage } from './browser';
import { expectMessageVisible } from './ui';

// Journeys of 发群消息 / 群消息记录 and 审计日志, by clicking and typing only from the login page, against the
// service on the real database with the group bot running on the mock puppet (binding and delivery included).
const VILLAGE_D = '370303-JD-MS-vd'; // 北村: no group bound
let t: TestApp;
let w: World;
let chrome: Chromium;
const pages: ConsolePage[] = [];
let rooms: Record<'a1' | 'a2' | 'b' | 'c', { id: string }>;
const TEXT = '冬季流感高发，60岁以上老人可到村卫生室免费接种流感疫苗。';

beforeAll(async () => {
  // The service's clock: 10:00 Beijing time today (outside the bot's quiet hours, whatever the hour of the run).
  // That is up to 14 h behind the browser's own clock, which the console compares a session's expiry with, so
  // staff sessions last two days here (with the default 12 h, a run after 22:00 Beijing time was logged out).
  t = await startTestApp({
    now: shanghaiAt(shanghaiDay(new Date()), '10:00').toISOString(),
    config: { BOT_GAP_MIN_MS: '0', BOT_GAP_MAX_MS: '0', BOT_QUIET_HOURS: '21:00-07:30', BOT_DELIVERY_INTERVAL_MS: '300', STAFF_TOKEN_TTL_HOURS: '48' },
  });
  await seedVillages(t);
  await importVillages(t.app, 'json', JSON.stringify([{ name: '北村', parentCode: TOWN_MS, code: VILLAGE_D }]));
  w = new World(t);
  await w.startBot({ delivery: true });
  w.mocker.scan('https://login.weixin.qq.com/l/mock-qr', types.ScanStatus.Waiting);
  w.me = w.mocker.createContact({ name: '健康小助手' });
  w.mocker.login(w.me);
  await waitFor(() => w.wechaty.isLoggedIn);
  // Groups bound the way villages bind them: a resident posts 绑定 <code> in the group.
  rooms = {
    a1: (await w.boundRoom('东村村民一群', VILLAGE_A)).room,
    a2: (await w.boundRoom('东村村民二群', VILLAGE_A)).room,
    b: (await w.boundRoom('西村健康群', VILLAGE_B)).room,
    c: (await w.boundRoom('南村大家庭', VILLAGE_C)).room,
  };
  const staff: Array<[string, 'district_admin' | 'town_admin' | 'village_worker', string, string]> = [
    ['district', 'district_admin', '370303', '区卫健局管理员'],
    ['mashang', 'town_admin', TOWN_MS, '马尚街道管理员'],
    ['nanding', 'town_admin', '370303-Z-ND', '南定镇管理员'],
    ['dongcun', 'village_worker', VILLAGE_A, '东村网格员'],
    ['beicun', 'village_worker', VILLAGE_D, '北村网格员'],
  ];
  for (const [username, role, areaCode, displayName] of staff)
    await createStaff(t.app, { username, password: `${username}-pass-1`, role, areaCode, displayName });
  chrome = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const [i, p] of pages.entries()) {
    await p.shot(`campaigns-zz-last-${i}`).catch(() => undefined);
    if (p.httpErrors.length) console.log(`page ${i} ${p.page.url()}: ${p.httpErrors.join(', ')}`);
  }
  await chrome?.close();
  await w?.close();
});

async function open(username: string, viewport?: { width: number; height: number }): Promise<ConsolePage> {
  const p = await chrome.open(t.url, viewport);
  pages.push(p);
  await signIn(p, username, `${username}-pass-1`);
  return p;
}

async function expectAccessible(p: ConsolePage): Promise<void> {
  expect(await p.axe()).toEqual([]);
}

/** Open a menu entry: the side menu on a desktop, the drawer behind ☰ on a phone. */
async function menu(p: ConsolePage, title: string): Promise<void> {
  const burger = p.page.getByRole('button', { name: '打开菜单' });
  if (await burger.isVisible()) {
    await burger.click();
    await p.page.getByRole('dialog', { name: '菜单' }).getByRole('menuitem', { name: title, exact: true }).click();
  } else await p.page.getByRole('navigation', { name: '主菜单' }).getByRole('menuitem', { name: title, exact: true }).click();
  await p.page.getByRole('heading', { level: 1 }).first().waitFor();
}

/** Click an Element Plus select where a person would and pick one option (checked: lists animate in). */
async function pick(p: ConsolePage, label: string, option: string): Promise<void> {
  const shown = p.page.getByRole('combobox', { name: label, exact: true }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]');
  for (let attempt = 0; attempt < 3; attempt++) {
    await shown.click();
    await p.page.waitForTimeout(400);
    await p.page.getByRole('option', { name: option, exact: true }).filter({ visible: true }).click();
    await p.page.waitForTimeout(200);
    await p.page.keyboard.press('Escape');
    if ((await shown.innerText()).includes(option)) return;
  }
  throw new Error(`could not pick ${option} in ${label}`);
}

const said = (room: { id: string }): string[] => w.said(room.id);
let campaignUrl = '';

test('journey: a village worker drafts a campaign on a phone, the town admin approves it, the bot delivers it, the report shows every group', async () => {
  const worker = await open('dongcun', PHONE);
  await menu(worker, '发群消息');
  await worker.page.getByText('定时宣传活动').click();
  await worker.page.getByLabel('活动名称').fill('冬季防流感');
  await worker.page.getByLabel('群消息内容').fill(TEXT);
  // The live preview shows the bubble as the group will see it, and how many bound groups it reaches.
  await worker.page.locator('[data-test=preview-bubble]').getByText(TEXT).waitFor();
  await worker.page.locator('[data-test=reach]').getByText('将发送到 2 个已绑定的群').waitFor();
  await worker.page.locator('[data-test=quiet-hours]').getByText('每天 21:00 至次日 07:30').waitFor();
  const at = shanghaiTime(new Date(t.clock.now().getTime() + 30 * 60_000));
  const when = worker.page.getByLabel('发送日期和时间');
  await when.click();
  await when.fill(at);
  await when.press('Enter');
  await worker.page.getByRole('heading', { name: '发群消息' }).click(); // close the picker as a person would
  await worker.shot('campaign-01-compose-village-phone');
  await expectAccessible(worker);
  await worker.page.getByRole('button', { name: '提交审核' }).click();
  await worker.page.locator('[data-test=campaign-status]').getByText('待审核').waitFor();
  campaignUrl = new URL(worker.page.url()).pathname;
  await worker.page.getByText(`${at} 发送一次`).waitFor();
  await worker.page.getByText('等待镇街管理员审核').waitFor();
  expect(await worker.page.getByRole('button', { name: '审核通过' }).count()).toBe(0);
  await worker.shot('campaign-02-submitted-village-phone');
  await expectAccessible(worker);

  // The town admin finds it in 待我审核 and approves it.
  const town = await open('mashang');
  await menu(town, '待我审核');
  const row = town.page.locator('[data-test=campaign-table]').getByRole('row', { name: /冬季防流感/ });
  await row.getByText('东村网格员').waitFor();
  await town.shot('campaign-03-approval-queue-town');
  await expectAccessible(town);
  await row.getByRole('button', { name: '去审核' }).click();
  await town.page.locator('[data-test=reach-count]').getByText('2 个已绑定的群').waitFor();
  await town.page.getByRole('button', { name: '审核通过' }).click();
  await town.page.locator('[data-test=campaign-status]').getByText('已通过，待发送').waitFor();
  await town.page.getByText('还没到发送时间').waitFor();
  await town.shot('campaign-04-approved-town');
  await expectAccessible(town);

  // Its time comes: the worker role's scheduler fires it; the bot (mock puppet) sends to each group.
  t.clock.advance(31 * 60_000);
  expect(await schedulerTick(t.app)).toEqual({ fired: 1, skipped: 0 });
  await waitFor(() => said(rooms.a1).length === 1 && said(rooms.a2).length === 1, 20_000);
  expect([said(rooms.a1), said(rooms.a2), said(rooms.b), said(rooms.c)]).toEqual([[TEXT], [TEXT], [], []]);
  // The page refreshes itself while messages are on their way: every group of the report shows 已发送.
  await town.page.locator('[data-test=campaign-status]').getByText('已发送').waitFor({ timeout: 20_000 });
  const report = town.page.locator('[data-test=report-table]');
  await report.getByRole('row', { name: /东村村民一群.*已发送/ }).waitFor({ timeout: 20_000 });
  await report.getByRole('row', { name: /东村村民二群.*已发送/ }).waitFor({ timeout: 20_000 });
  expect(await report.getByRole('row', { name: /待发送|发送失败/ }).count()).toBe(0);
  await town.page.getByText('共 2 个群，已发送 2，待发送 0，失败 0').waitFor();
  await town.shot('campaign-05-report-town');
  await expectAccessible(town);

  // The worker sees the same report on the phone.
  await worker.page.reload();
  await worker.page.getByText('共 2 个群，已发送 2，待发送 0，失败 0').waitFor();
  await worker.shot('campaign-06-report-village-phone');

  // Staff of another town see none of it: not in the list, not in their queue, not by its address.
  const other = await open('nanding');
  await menu(other, '群消息记录');
  await other.page.getByText('还没有群消息').waitFor();
  await menu(other, '待我审核');
  await other.page.getByText('现在没有等待审核的').waitFor();
  await other.page.goto(`${t.url}${campaignUrl}`);
  await other.page.getByText('没有找到这条群消息').waitFor();
  await other.shot('campaign-07-other-town');
  await expectAccessible(other);
}, 300_000);

test('journey: a town admin requests a broadcast to one village; they cannot approve it themselves, the district admin does, and it goes out', async () => {
  const town = await open('mashang');
  await menu(town, '发群消息');
  await town.page.getByText('选择地区或群').click();
  await pick(town, '村居', '西村');
  await town.page.locator('[data-test=reach]').getByText('将发送到 1 个已绑定的群：西村健康群').waitFor();
  await town.page.getByLabel('群消息内容').fill('明天上午8点，西村村委会免费测血压血糖，请带好医保卡。');
  await town.shot('broadcast-01-compose-town');
  await expectAccessible(town);
  await town.page.getByRole('button', { name: '提交审核' }).click();
  await town.page.locator('[data-test=campaign-status]').getByText('待审核').waitFor();
  await town.page.getByText('等待另一位管理员审核').waitFor();
  expect(await town.page.getByRole('button', { name: '审核通过' }).count()).toBe(0);

  const district = await open('district');
  await menu(district, '待我审核');
  await district.page
    .locator('[data-test=campaign-table]')
    .getByRole('row', { name: /广播：明天上午8点/ })
    .getByRole('button', { name: '去审核' })
    .click();
  await district.page.getByRole('button', { name: '审核通过' }).click();
  await district.page.locator('[data-test=campaign-status]').getByText('已发送').waitFor();
  await waitFor(() => said(rooms.b).length === 1, 20_000);
  expect(said(rooms.b)).toEqual(['明天上午8点，西村村委会免费测血压血糖，请带好医保卡。']);
  expect(said(rooms.a1)).toHaveLength(1);
  await district.page
    .locator('[data-test=report-table]')
    .getByRole('row', { name: /西村健康群.*已发送/ })
    .waitFor({ timeout: 20_000 });
  await district.shot('broadcast-02-report-district');
  await expectAccessible(district);

  const other = await open('nanding');
  await menu(other, '群消息记录');
  await other.page.getByText('还没有群消息').waitFor();
}, 240_000);

test('journey: a broadcast from a village with no bound group is refused in the page, beside the target, and nothing is queued', async () => {
  const worker = await open('beicun', PHONE);
  await menu(worker, '发群消息');
  await worker.page.locator('[data-test=reach]').getByText('所选范围内还没有绑定的微信群，消息发不出去').waitFor();
  await worker.page.getByLabel('群消息内容').fill('今晚8点北村停水，请提前储水。');
  // The message can still reach the village: its words copied, to paste into the group by hand.
  const copy = worker.page.locator('[data-test=copy-to-group]');
  await copy.getByText('现在就要让村民看到？也可以把文字复制下来，自己发到村居微信群里。').waitFor();
  await worker.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await copy.getByRole('button', { name: '复制文字到群' }).click();
  await expectMessageVisible(worker, '文字已复制。请打开村居微信群，长按输入框选择「粘贴」，再点「发送」。');
  expect(await worker.page.evaluate('navigator.clipboard.readText()')).toBe('今晚8点北村停水，请提前储水。');
  await worker.shot('broadcast-03a-copied-village-phone');
  await worker.page.getByRole('button', { name: '提交审核' }).click();
  const field = worker.page.locator('[data-test=targets] .el-form-item__error');
  await field.getByText('所选范围内还没有绑定的微信群').waitFor();
  await worker.shot('broadcast-03-no-groups-village-phone');
  await expectAccessible(worker);
  expect(new URL(worker.page.url()).pathname).toBe('/admin/compose');
  await menu(worker, '群消息记录');
  await worker.page.getByText('还没有群消息').waitFor();
}, 120_000);

test("journey: the audit log filtered by area and exported; another town's admin sees none of it", async () => {
  const district = await open('district');
  await menu(district, '审计日志');
  await pick(district, '镇街', '马尚街道');
  await pick(district, '村居', '东村');
  const table = district.page.locator('[data-test=audit-table]');
  await table.getByRole('row', { name: /dongcun.*东村.*新建宣传活动\/广播/ }).waitFor();
  expect(await table.getByRole('row', { name: /mashang|district/ }).count()).toBe(0);
  await district.shot('audit-01-by-area-district');
  await expectAccessible(district);
  const [download] = await Promise.all([district.page.waitForEvent('download'), district.page.getByRole('button', { name: '导出 Excel' }).click()]);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile((await download.path())!);
  const rows = (wb.worksheets[0]!.getSheetValues().slice(2).filter(Boolean) as unknown[][]).map((r) => [r[2], r[3], r[4]]);
  expect(rows).toContainEqual(['dongcun', VILLAGE_A, 'campaign.create']);
  expect(rows).toContainEqual(['dongcun', VILLAGE_A, 'campaign.pending_review']);
  expect(rows.every((r) => r[1] === VILLAGE_A)).toBe(true);
  // The export itself is in the log.
  await district.page.reload(); // filters start empty again
  await pick(district, '操作', '导出审计日志');
  await table.getByRole('row', { name: /district.*导出审计日志/ }).waitFor();
  await district.shot('audit-02-export-recorded-district');

  // 南定镇's admin reads only their own town's records: nothing of 马尚街道's campaign work.
  const other = await open('nanding');
  await menu(other, '审计日志');
  await pick(other, '操作', '新建宣传活动/广播');
  await other.page.getByText('没有符合条件的记录').waitFor();
  await other.shot('audit-03-other-town');
  await expectAccessible(other);

  for (const p of pages) expect(p.problems).toEqual([]);
}, 180_000);
