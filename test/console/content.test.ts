import { types } from 'wechaty';
import { seedContentLibrary } from '../../src/modules/content';
import { Versions } from '../../src/modules/content/content.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { shanghaiAt, shanghaiDay } from '../../src/lib/shanghai';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, TOWN_MS, VILLAGE_A } from '../helpers/fixtures';
import { waitFor, World } from '../bot/world';
import { launchChromium, PHONE, signIn, type Chromium, type ConsolePage } from './browser';
import { expectAccessible, expectMessageVisible, rowWith } from './ui';

// Journeys of 写健康知识 / 待审文章 / 健康知识库 by clicking and typing from the login page, against the service on
// the real database (WeChat's content check on the local fake server), with the group bot on the mock puppet.
let t: TestApp;
let w: World;
let chrome: Chromium;
const pages: ConsolePage[] = [];
let room: { id: string };

beforeAll(async () => {
  t = await startTestApp({
    now: shanghaiAt(shanghaiDay(new Date()), '10:00').toISOString(),
    config: { BOT_GAP_MIN_MS: '0', BOT_GAP_MAX_MS: '0', BOT_QUIET_HOURS: '21:00-07:30', BOT_DELIVERY_INTERVAL_MS: '300', STAFF_TOKEN_TTL_HOURS: '48' },
  });
  await seedVillages(t);
  await seedContentLibrary(t.app);
  w = new World(t);
  await w.startBot({ delivery: true });
  w.mocker.scan('https://login.weixin.qq.com/l/mock-qr', types.ScanStatus.Waiting);
  w.me = w.mocker.createContact({ name: '健康小助手' });
  w.mocker.login(w.me);
  await waitFor(() => w.wechaty.isLoggedIn);
  room = (await w.boundRoom('东村村民一群', VILLAGE_A)).room;
  const staff: Array<[string, 'district_admin' | 'town_admin' | 'village_worker', string, string]> = [
    ['district', 'district_admin', '370303', '区卫健局管理员'],
    ['district2', 'district_admin', '370303', '区健康教育所'],
    ['mashang', 'town_admin', TOWN_MS, '马尚街道管理员'],
    ['dongcun', 'village_worker', VILLAGE_A, '东村网格员'],
  ];
  for (const [username, role, areaCode, displayName] of staff)
    await createStaff(t.app, { username, password: `${username}-pass-1`, role, areaCode, displayName });
  chrome = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const [i, p] of pages.entries()) {
    await p.shot(`content-zz-last-${i}`).catch(() => undefined);
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

/** Open a menu entry: the side menu on a desktop, the drawer behind ☰ on a phone. */
async function menu(p: ConsolePage, title: string): Promise<void> {
  const burger = p.page.getByRole('button', { name: '打开菜单' });
  if (await burger.isVisible()) {
    await burger.click();
    await p.page.getByRole('dialog', { name: '菜单' }).getByRole('menuitem', { name: title, exact: true }).click();
  } else await p.page.getByRole('navigation', { name: '主菜单' }).getByRole('menuitem', { name: title, exact: true }).click();
  await p.page.getByRole('heading', { level: 1 }).first().waitFor();
}

/** An alert (an in-page message) with `text` is on screen: inside the viewport's width and on top at its centre. */
async function expectAlertVisible(p: ConsolePage, selector: string, text: string): Promise<void> {
  const alert = p.page.locator(selector).filter({ hasText: text });
  await alert.waitFor();
  await alert.scrollIntoViewIfNeeded();
  const box = (await alert.boundingBox())!;
  const view = p.page.viewportSize()!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(view.width);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(view.height);
}

async function write(p: ConsolePage, title: string, body: string): Promise<void> {
  await menu(p, '写健康知识');
  await p.page.getByLabel('标题').fill(title);
  await p.page.locator('.el-checkbox').filter({ hasText: '意外伤害预防' }).click();
  await p.page.getByLabel('正文').fill(body);
  await p.page.getByLabel('内容来源').fill('《中国公民健康素养——基本知识与技能（2024年版）》');
}

test('journey: a village worker writes an article on a phone, the district reviews and publishes it; the author cannot publish their own', async () => {
  const worker = await open('dongcun', PHONE);
  await write(worker, '冬天烤火，防煤气中毒', '煤炉要装烟筒，睡前封好炉火。\n\n屋里留通风口，头晕恶心马上开窗。');
  await worker.shot('content-01-write-village-phone');
  await expectAccessible(worker);
  await worker.page.getByRole('button', { name: '提交审核' }).click();
  await worker.page.locator('[data-test=version-status]').getByText('待审核').waitFor();
  await worker.page.getByText('等待区级管理员审核发布').waitFor();
  expect(await worker.page.getByRole('button', { name: '审核发布' }).count()).toBe(0);
  await worker.shot('content-02-submitted-village-phone');
  await expectAccessible(worker);

  const district = await open('district');
  await menu(district, '待审文章');
  const row = rowWith(district, 'version-table', '冬天烤火，防煤气中毒');
  await row.getByText('东村网格员').waitFor();
  await district.shot('content-03-review-queue-district');
  await expectAccessible(district);
  await row.getByRole('button', { name: '去审核' }).click();
  await district.page.locator('[data-test=article-preview]').getByText('屋里留通风口').waitFor();
  await district.page.getByRole('button', { name: '审核发布' }).click();
  await expectMessageVisible(district, '已发布，居民在“健康知识”里就能看到');
  await district.page.locator('[data-test=version-status]').getByText('已发布').waitFor();
  await district.shot('content-04-published-district');
  await expectAccessible(district);
  expect(t.wechat.calls.some((c) => c.path === '/wxa/msg_sec_check' && JSON.stringify(c.body).includes('冬天烤火'))).toBe(true);

  // The district admin's own article waits for another district admin.
  await write(district, '区里写的一篇', '这是区里自己写的文章。');
  await district.page.getByRole('button', { name: '提交审核' }).click();
  await district.page.getByText('等待另一位区级管理员审核发布').waitFor();
  expect(await district.page.getByRole('button', { name: '审核发布' }).count()).toBe(0);
  await district.shot('content-05-own-waits-district');
}, 240_000);

test('journey: the district writes a 视频号 video piece: without the video ids it says what is missing; with them the draft keeps them', async () => {
  const district = await open('district');
  await write(district, '老年人居家锻炼', '每天活动半小时，动作慢一点。');
  await district.page.getByRole('radiogroup', { name: '形式' }).getByText('视频号视频').click();
  await district.page.locator('[data-test=content-video]').waitFor();
  await district.page.getByRole('button', { name: '保存草稿' }).click();
  await district.page.getByText('视频号视频请填写视频号编号和视频 ID').waitFor();
  await district.page.getByLabel('视频号编号').fill('sphLaoNianJianKang');
  await district.page.getByLabel('视频 ID').fill('export/UzFfAgtgekIEAQAAAAAAb4MA');
  await district.shot('content-05b-video-piece-district');
  await expectAccessible(district);
  await district.page.getByRole('button', { name: '保存草稿' }).click();
  await expectMessageVisible(district, '草稿已保存');
  const v = (await Versions(t.db).findOne({ title: '老年人居家锻炼' }).lean())!;
  expect(v).toMatchObject({ kind: 'video', video: { finderUserName: 'sphLaoNianJianKang', feedId: 'export/UzFfAgtgekIEAQAAAAAAb4MA' } });
}, 240_000);

test('journey: an article WeChat refuses goes back to its author with the reason, and is not published', async () => {
  const worker = await open('dongcun');
  await write(worker, '来路不明的偏方', '这段话含有违禁内容。');
  await worker.page.getByRole('button', { name: '提交审核' }).click();
  await worker.page.locator('[data-test=version-status]').getByText('待审核').waitFor();

  const district = await open('district2', PHONE);
  await menu(district, '待审文章');
  await rowWith(district, 'version-table', '来路不明的偏方').getByRole('button', { name: '去审核' }).click();
  await district.page.getByRole('button', { name: '审核发布' }).click();
  await expectAlertVisible(district, '[data-test=action-error]', '未通过微信内容安全检测');
  await district.page.locator('[data-test=version-status]').getByText('草稿').waitFor();
  await district.shot('content-06-check-refused-district-phone');
  await expectAccessible(district);

  await worker.page.reload();
  await expectAlertVisible(worker, '[data-test=review-note]', '未通过微信内容安全检测');
  await worker.shot('content-07-refused-back-to-author');
  await menu(worker, '健康知识库');
  await worker.page.getByLabel('搜索').fill('来路不明');
  await worker.page.getByRole('button', { name: '查询' }).click();
  await worker.page.getByText('没有符合条件的文章。').waitFor();
}, 180_000);

test('journey: a published article is sent to a village group as a broadcast; the bot delivers its text with the link text', async () => {
  const district = await open('district');
  await menu(district, '健康知识库');
  await district.page.locator('[data-test=coverage]').getByText('健康素养66条每一条都有文章').waitFor();
  await district.page.getByLabel('搜索').fill('减盐');
  await district.page.getByRole('button', { name: '查询' }).click();
  const row = rowWith(district, 'article-table', '减盐：每天不超过5克');
  await row.waitFor();
  await district.shot('content-08-library-district');
  await expectAccessible(district);
  await row.getByRole('button', { name: '发到群' }).click();
  await district.page.locator('[data-test=attached-article]').getByText('已附上健康知识文章《减盐：每天不超过5克》').waitFor();
  expect(await district.page.getByLabel('群消息内容').inputValue()).toContain('【健康知识】减盐：每天不超过5克');
  await district.shot('content-09-compose-with-article-district');
  await expectAccessible(district);
  await district.page.getByRole('button', { name: '提交审核' }).click();
  await district.page.locator('[data-test=campaign-status]').getByText('待审核').waitFor();
  const campaign = new URL(district.page.url()).pathname;

  const other = await open('district2');
  await other.page.goto(`${t.url}${campaign}`);
  await other.page.getByRole('button', { name: '审核通过' }).click();
  await other.page.locator('[data-test=campaign-status]').getByText('已发送').waitFor({ timeout: 20_000 });
  await waitFor(() => w.said(room.id).length === 1, 20_000);
  const [message] = w.said(room.id);
  expect(message).toContain('【健康知识】减盐：每天不超过5克');
  expect(message).toContain('打开「健康知识」');
  await other.shot('content-10-delivered-district');
  for (const p of pages) expect(p.problems).toEqual([]);
}, 240_000);
