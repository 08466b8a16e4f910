import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { Talks, WalkIns } from '../../src/modules/talks/talks.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, TOWN_MS, TOWN_ND, VILLAGE_A } from '../helpers/fixtures';
import { bulkResidents } from '../helpers/talks';
import { DESKTOP, launchChromium, PHONE, signIn, type Chromium, type ConsolePage } from './browser';
import { expectConfirmVisible, expectMessageVisible, expectNoPageScrollX, pickOption, typeDateTime } from './ui';

// Journey: a town admin creates and publishes a session by clicking and typing; 30 residents sign up through the
// API; the village worker of the host village, on a phone, marks attendance, adds a walk-in and opens the call
// list (audited); the town admin downloads the export and it holds the right rows; another town's admin sees none
// of it.
let t: TestApp;
let chrome: Chromium;
const pages: ConsolePage[] = [];
const TITLE = '孕前优生健康检查进村居';

beforeAll(async () => {
  t = await startTestApp({ now: new Date().toISOString() });
  await seedVillages(t);
  await createStaff(t.app, { username: 'mashang', password: 'mashang-pass-1', role: 'town_admin', areaCode: TOWN_MS, displayName: '马尚街道管理员' });
  await createStaff(t.app, { username: 'dongcun', password: 'dongcun-pass-1', role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村网格员' });
  await createStaff(t.app, { username: 'nanding', password: 'nanding-pass-1', role: 'town_admin', areaCode: TOWN_ND, displayName: '南定镇管理员' });
  await createStaff(t.app, { username: 'district', password: 'district-pass-1', role: 'district_admin', areaCode: '370303', displayName: '区卫健局管理员' });
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  for (const [i, p] of pages.entries()) {
    await p.shot(`talks-zz-last-${i}`).catch(() => undefined);
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

async function expectAccessible(p: ConsolePage): Promise<void> {
  expect(await p.axe()).toEqual([]);
}

/** Wait until `read` gives `want` (a list re-rendering after a click), or fail with what it last gave. */
async function until<T>(read: () => Promise<T>, want: T, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  let got = await read();
  while (got !== want && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 150));
    got = await read();
  }
  expect(got).toBe(want);
}

/** Today's date in Shanghai, `YYYY-MM-DD`. */
const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
const today = day.format(new Date());
/** A Shanghai wall-clock time `YYYY-MM-DD HH:mm`, as typed into a picker. */
const wallClock = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
// Sessions start within the hour: staff mark attendance at the door only from a set time before the start.
const MIN = 60_000;
const startMs = Math.ceil((Date.now() + 40 * MIN) / (5 * MIN)) * 5 * MIN;
const START = wallClock(startMs);
const startDay = START.slice(0, 10);

test('journey: a session from creation to export, attendance with a walk-in on a phone, the audited call list; another town sees none of it', async () => {
  // ---- the town admin creates and publishes the session ----
  const town = await open();
  await signIn(town, 'mashang', 'mashang-pass-1');
  await town.page.getByRole('menuitem', { name: '讲座与筛查' }).first().click();
  await town.page.getByRole('heading', { name: '讲座与筛查' }).waitFor();
  await town.page.getByText('没有符合条件的活动').waitFor();
  await town.shot('talks-01-list-empty');
  await expectAccessible(town);

  await town.page.getByRole('button', { name: '新建活动' }).click();
  await town.page.getByRole('heading', { name: '新建活动' }).waitFor();
  await town.page.getByLabel('活动名称', { exact: true }).fill(TITLE);
  await town.page.getByLabel('活动地点', { exact: true }).fill('东村党群服务中心二楼');
  await pickOption(town, '举办村居（可不选）', '东村');
  await typeDateTime(town, '开始时间', START);
  // An end before the start: the service's field error shows beside the end time.
  await typeDateTime(town, '结束时间', wallClock(startMs - 60 * MIN));
  await town.page.getByLabel('名额', { exact: true }).fill('25');
  await town.page.getByRole('button', { name: '保存' }).click();
  await town.page.getByText('结束时间应晚于开始时间').waitFor();
  await town.shot('talks-02-create-field-error');
  await expectAccessible(town);
  await typeDateTime(town, '结束时间', wallClock(startMs + 120 * MIN));
  await town.page.getByRole('button', { name: '保存' }).click();
  await town.page.getByRole('heading', { name: TITLE }).waitFor();
  await town.page.locator('[data-test=talk-status]').filter({ hasText: '草稿' }).waitFor();
  await town.page.getByText(`${START.replace(/-/g, '/')} 至 ${wallClock(startMs + 120 * MIN).replace(/-/g, '/')}`).waitFor();
  await town.page.getByRole('button', { name: '发布', exact: true }).click();
  await town.page.getByRole('dialog', { name: '发布活动' }).getByRole('button', { name: '发布' }).click();
  await town.page.locator('[data-test=talk-status]').filter({ hasText: '报名中' }).waitFor();
  await town.shot('talks-03-detail-published');
  await expectAccessible(town);
  const talkId = /\/admin\/talks\/([0-9a-f]{24})/.exec(town.page.url())![1]!;

  // ---- 30 residents of 东村 sign up through the API: 25 seats, 5 wait ----
  const residents = await bulkResidents(t, 30, { village: VILLAGE_A });
  for (const r of residents) {
    const res = await t.request('POST', `/api/v1/talks/${talkId}/registrations`, { token: r.token, body: {} });
    expect(res.status).toBe(201);
  }
  await town.page.reload();
  await town.page.locator('[data-test=talk-figures]').getByText('已确认报名').waitFor();
  await town.page.getByRole('tab', { name: '报名与候补' }).click();
  await town.page.getByText('共 30 条').waitFor();
  await pickOption(town, '报名状态', '候补');
  await town.page.getByText('共 5 条').waitFor();
  await town.page.locator('[data-test=roster-table]').getByText('候补（第 1 位）').waitFor();
  await town.shot('talks-04-registrations');
  await expectAccessible(town);

  // ---- the village worker, on a phone: attendance with a walk-in, then the call list ----
  const worker = await open(PHONE);
  await signIn(worker, 'dongcun', 'dongcun-pass-1');
  await worker.page.getByRole('button', { name: '打开菜单' }).click();
  await worker.page.getByRole('dialog', { name: '菜单' }).getByRole('menuitem', { name: '讲座与筛查' }).click();
  await worker.page.getByRole('link', { name: TITLE }).click();
  await worker.page.getByRole('tab', { name: '到场签到' }).click();
  const list = worker.page.locator('[data-test=attendance-list]');
  await list.getByRole('button', { name: '到场', exact: true }).first().waitFor();
  for (let i = 0; i < 3; i++) {
    const before = await list.getByRole('button', { name: '撤销' }).count();
    await list.getByRole('button', { name: '到场', exact: true }).first().click();
    await until(() => list.getByRole('button', { name: '撤销' }).count(), before + 1);
  }
  const form = worker.page.locator('[data-test=walk-in-form]');
  await form.getByLabel('姓名', { exact: true }).fill('赵桂兰');
  await form.getByLabel('手机号（没有手机可不填）', { exact: true }).fill('13912345678');
  await pickOption(worker, '所在村居（可不选）', '东村');
  await form.getByRole('button', { name: '添加到场人员' }).click();
  await worker.page.locator('[data-test=walk-in-list]').getByText('赵**').waitFor();
  // The same person twice: the service's error shows beside the phone field, and nothing more is stored.
  await form.getByLabel('姓名', { exact: true }).fill('赵桂兰');
  await form.getByLabel('手机号（没有手机可不填）', { exact: true }).fill('13912345678');
  await form.getByRole('button', { name: '添加到场人员' }).click();
  await form.getByText('这个手机号已经登记过到场').waitFor();
  expect(await WalkIns(t.db).countDocuments({})).toBe(1);
  await form.getByLabel('姓名', { exact: true }).fill('');
  await form.getByLabel('手机号（没有手机可不填）', { exact: true }).fill('');
  await worker.page.getByText('已到', { exact: true }).click();
  await until(() => list.locator('li.card').count(), 3);
  await worker.shot('talks-05-attendance-phone');
  await expectNoPageScrollX(worker);
  await expectAccessible(worker);

  await worker.page.getByRole('tab', { name: '通话名单' }).click();
  const calls = worker.page.locator('[data-test=call-list]');
  await calls.getByRole('link', { name: /拨打 居民0 13800000000/ }).waitFor();
  await worker.page.getByText('共 30 条').waitFor();
  await worker.shot('talks-06-call-list-phone');
  await expectNoPageScrollX(worker);
  await expectAccessible(worker);
  const callAudits = await AuditLog(t.db).find({ action: 'talk.call_list.view', targetId: talkId }).lean();
  expect(callAudits).toHaveLength(1);
  expect(callAudits[0]).toMatchObject({ actorName: 'dongcun', details: { rows: 30, offset: 0 } });

  // ---- the town admin: attendance and call list on the desktop, the export downloaded and opened ----
  await town.page.getByRole('tab', { name: '到场签到' }).click();
  await town.page.locator('[data-test=walk-in-list]').getByText('赵**').waitFor();
  await town.shot('talks-07-attendance-desktop');
  await expectAccessible(town);
  await town.page.getByRole('tab', { name: '通话名单' }).click();
  await town.page
    .locator('[data-test=call-list]')
    .getByRole('link', { name: /拨打 居民29 13800000029/ })
    .waitFor();
  await town.shot('talks-08-call-list-desktop');
  await expectAccessible(town);

  const [download] = await Promise.all([town.page.waitForEvent('download'), town.page.getByRole('button', { name: '导出名单' }).click()]);
  const file = await download.path();
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(fs.readFileSync(file) as never);
  const ws = wb.worksheets[0]!;
  const rows = ws
    .getSheetValues()
    .slice(3)
    .filter(Boolean)
    .map((r) => (r as unknown[]).slice(1));
  expect(ws.getRow(1).getCell(1).value).toBe(TITLE);
  expect(rows).toHaveLength(31);
  expect(rows.filter((r) => r[5] === '已确认')).toHaveLength(25);
  expect(rows.filter((r) => r[5] === '候补').map((r) => r[6])).toEqual([1, 2, 3, 4, 5]);
  expect(rows.filter((r) => r[7] === '是')).toHaveLength(4);
  expect(rows[30]).toEqual([
    31,
    '赵**',
    '139****5678',
    '东村',
    1,
    '现场登记',
    '',
    '是',
    expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d$/),
    expect.any(String),
  ]);
  expect(rows.every((r) => String(r[2]).includes('****'))).toBe(true);
  expect(await AuditLog(t.db).countDocuments({ action: 'talk.export_masked', targetId: talkId })).toBe(1);

  // Figures count the walk-in as attended.
  await town.page.getByRole('tab', { name: '概况' }).click();
  await town.page.locator('[data-test=talk-figures]').getByText('到场（含现场登记 1）').waitFor();
  expect(await town.page.locator('[data-test=talk-figures]').locator('div').nth(2).locator('strong').innerText()).toBe('4');

  // The calendar shows the session on its day; the poster carries the check-in code from WeChat.
  await town.page.getByRole('menuitem', { name: '讲座与筛查' }).first().click();
  await town.page.getByText('日历', { exact: true }).click();
  if (startDay.slice(0, 7) !== today.slice(0, 7)) await town.page.locator('[data-test=talk-calendar]').getByRole('button', { name: '下个月' }).click();
  await town.page
    .locator('[data-test=talk-calendar]')
    .getByRole('link', { name: new RegExp(`${START.slice(11)} ${TITLE}`) })
    .waitFor();
  await town.shot('talks-09-calendar');
  await expectAccessible(town);
  // On a phone the month stays readable: days show the time, the month's sessions are listed under the calendar.
  await town.page.setViewportSize(PHONE);
  await town.page.locator('[data-test=talk-month-list]').getByRole('link', { name: TITLE }).waitFor();
  await expectNoPageScrollX(town);
  await town.shot('talks-09-calendar-phone');
  await expectAccessible(town);
  await town.page.setViewportSize(DESKTOP);
  await town.page
    .locator('[data-test=talk-calendar]')
    .getByRole('link', { name: new RegExp(TITLE) })
    .click();
  await town.page.getByRole('button', { name: '签到海报' }).click();
  await town.page.getByRole('img', { name: /签到小程序码/ }).waitFor();
  // The code image really decodes (the local fake WeChat server draws a PNG carrying the session's scene).
  await town.page.waitForFunction("document.querySelector('[data-test=poster] img')?.naturalWidth === 264");
  await town.shot('talks-10-poster');
  await expectAccessible(town);
  expect(t.wechat.calls.filter((c) => c.path === '/wxa/getwxacodeunlimit')).toHaveLength(1);

  // The district admin finds the call-list view in the audit log.
  const district = await open();
  await signIn(district, 'district', 'district-pass-1');
  await district.page.getByRole('menuitem', { name: '审计日志' }).first().click();
  await district.page.getByRole('combobox', { name: '操作' }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').click();
  await district.page.waitForTimeout(400);
  await district.page.getByRole('option', { name: '查看讲座通话名单', exact: true }).filter({ visible: true }).click();
  await district.page
    .locator('[data-test=audit-table]')
    .getByRole('row', { name: /查看讲座通话名单/ })
    .filter({ hasText: 'dongcun' })
    .waitFor();
  await district.shot('talks-11-audit-call-list');

  // ---- another town's admin sees none of it ----
  const other = await open();
  await signIn(other, 'nanding', 'nanding-pass-1');
  await other.page.getByRole('menuitem', { name: '讲座与筛查' }).first().click();
  await other.page.getByText('没有符合条件的活动').waitFor();
  expect(await other.page.getByText(TITLE).count()).toBe(0);
  await other.page.getByText('日历', { exact: true }).click();
  await other.page.getByText('本月还没有活动').or(other.page.locator('[data-test=talk-calendar]')).first().waitFor();
  expect(await other.page.getByText(TITLE).count()).toBe(0);
  await other.page.goto(`/admin/talks/${talkId}?tab=calls`);
  await other.page.getByText('不在您的管辖范围内').waitFor();
  expect(await other.page.getByText(TITLE).count()).toBe(0);
  expect(await other.page.getByText('13800000000').count()).toBe(0);
  await other.shot('talks-12-other-town');
  await expectAccessible(other);
  expect(await AuditLog(t.db).countDocuments({ action: 'talk.call_list.view', targetId: talkId })).toBe(2);

  for (const p of pages) expect(p.problems).toEqual([]);
}, 300_000);

test('journey: the expert pool, eligibility rules, a held comment approved, and a session cancelled with a reason', async () => {
  const d = await open();
  await signIn(d, 'district', 'district-pass-1');
  await d.page.getByRole('menuitem', { name: '讲座与筛查' }).first().click();
  await d.page.getByRole('button', { name: '专家库' }).click();
  await d.page.getByText('专家库还是空的').waitFor();
  await d.page.getByRole('button', { name: '添加专家' }).click();
  const dialog = d.page.getByRole('dialog', { name: '添加专家' });
  await dialog.getByLabel('姓名', { exact: true }).fill('王丽华');
  await dialog.getByLabel('所在医院', { exact: true }).fill('张店区妇幼保健院');
  await dialog.getByLabel('职称', { exact: true }).fill('主任医师');
  await dialog.getByLabel('擅长（用顿号隔开）', { exact: true }).fill('孕产保健、妇女保健');
  await dialog.getByRole('button', { name: '保存' }).click();
  await d.page.locator('[data-test=expert-table]').getByRole('cell', { name: '孕产保健、妇女保健' }).waitFor();
  await d.shot('talks-13-experts');
  await expectAccessible(d);

  // A session for women of 18–49 in 马尚街道, with the expert; contradictory ages are refused beside the field.
  await d.page.getByRole('button', { name: '返回活动列表' }).click();
  await d.page.getByRole('button', { name: '新建活动' }).click();
  await d.page.getByLabel('活动名称', { exact: true }).fill('两癌筛查');
  await d.page.getByLabel('活动地点', { exact: true }).fill('马尚街道社区卫生服务中心');
  await pickOption(d, '举办镇街', '马尚街道');
  await typeDateTime(d, '开始时间', START);
  await typeDateTime(d, '结束时间', wallClock(startMs + 150 * MIN));
  await pickOption(d, '专家', '王丽华（张店区妇幼保健院）');
  await d.page.keyboard.press('Escape');
  await pickOption(d, '性别', '仅限女性');
  await d.page.getByLabel('最小年龄（可不填）', { exact: true }).fill('50');
  await d.page.getByLabel('最大年龄（可不填）', { exact: true }).fill('40');
  await d.page.getByLabel('活动名称', { exact: true }).click();
  await d.page.getByRole('button', { name: '保存' }).click();
  await d.page.getByText('最小年龄不能大于最大年龄').waitFor();
  await d.shot('talks-14-eligibility-error');
  await d.page.getByLabel('最小年龄（可不填）', { exact: true }).fill('18');
  await d.page.getByLabel('最大年龄（可不填）', { exact: true }).fill('49');
  await d.page.getByLabel('活动名称', { exact: true }).click();
  await d.page.getByRole('button', { name: '保存' }).click();
  await d.page.getByRole('heading', { name: '两癌筛查' }).waitFor();
  await d.page.getByText('仅限女性，18–49 岁').waitFor();
  await d.page.getByText('王丽华（张店区妇幼保健院 主任医师）').waitFor();
  await d.page.getByRole('button', { name: '发布', exact: true }).click();
  await d.page.getByRole('dialog', { name: '发布活动' }).getByRole('button', { name: '发布' }).click();
  await d.page.locator('[data-test=talk-status]').filter({ hasText: '报名中' }).waitFor();
  const talkId = /\/admin\/talks\/([0-9a-f]{24})/.exec(d.page.url())![1]!;

  // The service holds the rules the page set: a man is refused, a woman of 36 comes, attends and leaves a comment
  // that WeChat's content check holds for review.
  const [man] = await bulkResidents(t, 1, { village: VILLAGE_A, sex: 'male', birthYear: 1990 });
  const [woman] = await bulkResidents(t, 1, { village: VILLAGE_A, sex: 'female', birthYear: 1990 });
  expect((await t.request('POST', `/api/v1/talks/${talkId}/registrations`, { token: man!.token, body: {} })).status).toBe(403);
  const reg = await t.request('POST', `/api/v1/talks/${talkId}/registrations`, { token: woman!.token, body: {} });
  expect(reg.body.status).toBe('confirmed');
  await d.page.reload();
  await d.page.getByRole('tab', { name: '到场签到' }).click();
  await d.page.locator('[data-test=attendance-list]').getByRole('button', { name: '到场', exact: true }).click();
  await d.page.locator('[data-test=attendance-list]').getByRole('button', { name: '撤销' }).waitFor();
  const fb = await t.request('POST', `/api/v1/talks/${talkId}/feedback`, { token: woman!.token, body: { rating: 4, comment: '讲得细致，待审的话' } });
  expect(fb.body).toEqual({ rating: 4, commentState: 'review' });

  await d.page.getByRole('tab', { name: '反馈' }).click();
  await d.page.getByText('共 1 条评价，平均').waitFor();
  await d.page.locator('[data-test=feedback-table]').getByRole('button', { name: '公开', exact: true }).click();
  await d.page.locator('[data-test=feedback-table]').getByText('已公开').waitFor();
  await d.shot('talks-15-feedback');
  await expectAccessible(d);
  expect(await AuditLog(t.db).countDocuments({ action: 'talk.feedback.review', targetId: talkId })).toBe(1);

  // Sign-ups stopped from 更多: it cannot be undone, so a confirm box asks first; 再看看 leaves it open.
  await d.page.getByRole('tab', { name: '概况' }).click();
  for (const answer of ['再看看', '停止报名']) {
    await d.page.getByRole('button', { name: '更多 ▾' }).click();
    await d.page.locator('[data-test=talk-close]').click();
    const stop = await expectConfirmVisible(d, '停止报名');
    if (answer === '再看看') await d.shot('talks-16-close-confirm');
    await stop.getByRole('button', { name: answer }).click();
    await stop.waitFor({ state: 'detached' });
  }
  await expectMessageVisible(d, '已停止报名');
  await d.page.locator('[data-test=talk-status]').filter({ hasText: '已截止报名' }).waitFor();
  expect((await Talks(t.db).findById(talkId).lean())?.status).toBe('closed');

  // Cancelled with a reason: everyone is told, and the session says so. The button sits under the overview, away
  // from the tabs and the everyday buttons.
  await d.page.getByRole('button', { name: '取消活动' }).click();
  const box = d.page.getByRole('dialog', { name: '取消活动' });
  await box.getByRole('textbox').fill('天气原因，改期另行通知');
  await box.getByRole('button', { name: '确定取消活动' }).click();
  await d.page.locator('[data-test=talk-status]').filter({ hasText: '已取消' }).waitFor();
  const cancelled = await AuditLog(t.db).findOne({ action: 'talk.cancel', targetId: talkId }).lean();
  expect(cancelled?.details).toEqual({ reason: '天气原因，改期另行通知' });
  await d.shot('talks-17-cancelled');
  await expectAccessible(d);

  for (const p of pages) expect(p.problems).toEqual([]);
}, 240_000);
