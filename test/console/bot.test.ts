import { types } from 'wechaty';
import { BotRooms } from '../../src/modules/campaigns/rooms.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { Outbox } from '../../src/notify/outbox.model';
import { startTestApp } from '../helpers/app';
import { residentLogin, seedVillages, TOWN_MS, TOWN_ND, VILLAGE_A } from '../helpers/fixtures';
import { FAST, waitFor, World } from '../bot/world';
import { launchChromium, PHONE, signIn, type Chromium, type ConsolePage } from './browser';

// Journeys of screen 8 (群与机器人) and of "bind my WeChat" on 我的账号, against the bot on the mock puppet:
// the district admin sees the login QR until the bot logs in; a village worker on a phone binds a group with a
// code and retries a failed message; a town admin binds their own WeChat through the mini-program and the bot;
// another town's admin sees none of it.
let w: World;
let chrome: Chromium;
const pages: ConsolePage[] = [];

beforeAll(async () => {
  const t = await startTestApp({ now: new Date().toISOString(), config: FAST });
  await seedVillages(t);
  for (const [username, role, areaCode, displayName] of [
    ['district', 'district_admin', '370303', '区卫健局管理员'],
    ['mashang', 'town_admin', TOWN_MS, '马尚街道管理员'],
    ['dongcun', 'village_worker', VILLAGE_A, '东村网格员'],
    ['nanding', 'town_admin', TOWN_ND, '南定镇管理员'],
  ] as const)
    await createStaff(t.app, { username, password: `${username}-pass-1`, role, areaCode, displayName });
  w = new World(t);
  await w.startBot();
  chrome = await launchChromium();
}, 90_000);
afterAll(async () => {
  for (const [i, p] of pages.entries()) {
    await p.shot(`bot-zz-last-${i}`).catch(() => undefined);
    if (p.httpErrors.length) console.log(`page ${i} ${p.page.url()}: ${p.httpErrors.join(', ')}`);
  }
  await chrome?.close();
  await w?.close();
});

async function open(viewport?: { width: number; height: number }): Promise<ConsolePage> {
  const p = await chrome.open(w.t.url, viewport);
  pages.push(p);
  return p;
}
const expectAccessible = async (p: ConsolePage) => expect(await p.axe()).toEqual([]);

async function openBotScreen(p: ConsolePage): Promise<void> {
  if (await p.page.getByRole('button', { name: '打开菜单' }).isVisible()) {
    await p.page.getByRole('button', { name: '打开菜单' }).click();
    await p.page.getByRole('dialog', { name: '菜单' }).getByRole('menuitem', { name: '群与机器人' }).click();
  } else await p.page.getByRole('menuitem', { name: '群与机器人' }).first().click();
  await p.page.getByRole('heading', { name: '群与机器人' }).waitFor();
}

test('journey: the bot login QR is drawn while it waits and replaced by its state once logged in', async () => {
  w.mocker.scan('https://login.weixin.qq.com/l/mock-qr-1', types.ScanStatus.Waiting);
  const d = await open();
  await signIn(d, 'district', 'district-pass-1');
  await openBotScreen(d);
  const qr = d.page.getByRole('img', { name: '机器人登录二维码' });
  await qr.waitFor();
  const first = await qr.getAttribute('src');
  expect(first).toMatch(/^data:image\/png;base64,/);
  await d.page.locator('[data-test=bot-state]').filter({ hasText: '等待扫码登录' }).waitFor();
  await d.shot('bot-01-login-qr');
  await expectAccessible(d);
  // A new QR from WeChat is drawn without reloading the page.
  w.mocker.scan('https://login.weixin.qq.com/l/mock-qr-2', types.ScanStatus.Waiting);
  await waitFor(async () => (await qr.getAttribute('src').catch(() => first)) !== first, 10_000);

  // A town admin sees the state but never the QR (scanning it would log another WeChat in as the bot).
  const town = await open();
  await signIn(town, 'mashang', 'mashang-pass-1');
  await openBotScreen(town);
  await town.page.getByText('登录二维码只向区级管理员显示').waitFor();

  w.me = w.mocker.createContact({ name: '健康小助手' });
  w.mocker.login(w.me);
  await d.page.locator('[data-test=bot-state]').filter({ hasText: '在线' }).waitFor({ timeout: 20_000 });
  expect(await qr.count()).toBe(0);
  await d.page.getByText('微信号：健康小助手').waitFor();
  await d.shot('bot-02-online');
  for (const p of [d, town]) expect(p.problems).toEqual([]);
}, 120_000);

test('journey: a village worker on a phone binds their group with a code, sees it in the tree and retries a failed message; another town sees none of it', async () => {
  await waitFor(() => w.wechaty.isLoggedIn, 10_000);
  const v = await open(PHONE);
  await signIn(v, 'dongcun', 'dongcun-pass-1');
  await openBotScreen(v);
  expect(await v.page.getByRole('tab', { name: '机器人状态' }).count()).toBe(0);
  const tree = v.page.locator('[data-test=groups-tree]');
  await tree.getByText('未绑定群').waitFor();
  await v.page.getByRole('button', { name: '生成绑定码' }).click();
  const code = (await v.page.locator('[data-test=room-bind-code]').innerText()).trim();
  expect(code).toMatch(/^[2-9A-HJ-NP-Z]{6}$/);
  await v.page.getByText(`请在村居微信群里发送：绑定 ${code}`).waitFor();
  await v.shot('bot-03-bind-code-phone');
  await expectAccessible(v);

  // In the village group, someone posts the code; the bot confirms and the group is bound.
  const resident = w.contact('张大爷');
  const room = w.room('东村健康交流群', [resident]);
  resident.say(`绑定 ${code}`).to(room);
  await waitFor(() => w.said(room.id).length === 1, 10_000);
  await v.page.reload();
  await v.page.getByRole('tab', { name: '我的群' }).waitFor();
  await tree.getByText('东村健康交流群').waitFor();
  // the tree is drawn from two answers (villages, groups): once both are in, the village is no longer marked
  await tree.getByText('未绑定群').waitFor({ state: 'detached', timeout: 10_000 });
  await v.shot('bot-04-groups-tree-phone');
  await expectAccessible(v);

  // A message to that group failed for good (the group was gone for a while); it is back: retry it.
  const doc = (await BotRooms(w.t.db).findOne({ wxRoomId: room.id }).lean())!;
  const now = new Date();
  await Outbox(w.t.db).create({
    key: `campaign:journey:1:room:${String(doc._id)}`,
    channel: 'room',
    payload: { roomId: String(doc._id), text: '本周六上午九点，村委会有免费健康讲座，欢迎参加！' },
    status: 'dead',
    notBefore: now,
    attempts: 5,
    maxAttempts: 5,
    lastError: 'group not found by id or topic',
    source: { campaignId: 'journey' },
    areaPath: doc.areaPath,
    createdAt: now,
  });
  await v.page.getByRole('tab', { name: '发送失败' }).click();
  const dead = v.page.locator('[data-test=dead-items]');
  await dead.getByText('本周六上午九点，村委会有免费健康讲座，欢迎参加！').waitFor();
  await dead.getByText('失败原因：group not found by id or topic（已尝试 5 次）').waitFor();
  await v.shot('bot-05-dead-items-phone');
  await expectAccessible(v);
  await dead.getByRole('button', { name: '重发 东村健康交流群' }).click();
  await dead.getByText('已重新排队').waitFor();
  await w.drain();
  expect(w.said(room.id)).toContain('本周六上午九点，村委会有免费健康讲座，欢迎参加！');

  // The same screens at desktop size for the town admin: the tree by village, the keyword replies.
  const town = await open();
  await signIn(town, 'mashang', 'mashang-pass-1');
  await openBotScreen(town);
  await town.page.getByRole('tab', { name: '我的群' }).click();
  await town.page.locator('[data-test=groups-tree]').getByText('东村健康交流群').waitFor();
  await town.page.locator('[data-test=groups-tree]').getByText('西村').waitFor();
  await town.shot('bot-06-groups-tree-town');
  await expectAccessible(town);
  await town.page.getByRole('tab', { name: '关键词回复' }).click();
  await town.page.locator('[data-test=keyword-table]').getByRole('cell', { name: '答题', exact: true }).waitFor();
  expect(await town.page.getByRole('button', { name: '修改 答题' }).count()).toBe(0);

  // 南定镇's admin: no group of 马尚, no failed message of theirs.
  const other = await open();
  await signIn(other, 'nanding', 'nanding-pass-1');
  await openBotScreen(other);
  await other.page.getByRole('tab', { name: '我的群' }).click();
  const otherTree = other.page.locator('[data-test=groups-tree]');
  await otherTree.getByText('南村').waitFor();
  expect(await otherTree.getByText('东村健康交流群').count()).toBe(0);
  await other.page.getByRole('tab', { name: '发送失败' }).click();
  await other.page.getByText('没有发送失败的消息。').waitFor();
  await other.shot('bot-07-other-town');
  await expectAccessible(other);

  // The district admin edits a keyword reply; the group gets the new text.
  const d = await open();
  await signIn(d, 'district', 'district-pass-1');
  await openBotScreen(d);
  await d.page.getByRole('tab', { name: '关键词回复' }).click();
  await d.page.getByRole('button', { name: '修改 帮助' }).click();
  const dialog = d.page.getByRole('dialog', { name: '修改关键词“帮助”的回复' });
  await dialog.getByLabel('回复内容').fill('有问题请找村里的网格员，或拨打 12345。');
  await dialog.getByRole('button', { name: '保存' }).click();
  await d.page.locator('[data-test=keyword-table]').getByRole('cell', { name: '有问题请找村里的网格员，或拨打 12345。' }).waitFor();
  await d.shot('bot-08-keywords');
  await expectAccessible(d);
  resident.say('帮助').to(room);
  await waitFor(async () => {
    await w.drain();
    return w.said(room.id).includes('有问题请找村里的网格员，或拨打 12345。');
  }, 15_000);

  for (const p of [v, town, other, d]) expect(p.problems).toEqual([]);
}, 240_000);

test('journey: a town admin binds their WeChat: the mini-program confirms the code, then a private message to the bot; the bot knows them after', async () => {
  const p = await open();
  await signIn(p, 'mashang', 'mashang-pass-1');
  await p.page.getByRole('link', { name: /马尚街道管理员/ }).click();
  await p.page.getByRole('heading', { name: '我的账号' }).waitFor();
  const panel = p.page.locator('[data-test=wechat-bind]');
  await panel.getByText('小程序：未绑定　群助手：未绑定').waitFor();
  await panel.getByRole('button', { name: '生成绑定二维码' }).click();
  const code = (await panel.locator('[data-test=bind-code]').innerText()).trim();
  expect(code).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);
  await p.shot('bot-09-bind-wechat-qr');
  await expectAccessible(p);

  // The staff member's phone: the mini-program, signed in as them, confirms the code from the scene.
  const phone = await residentLogin(w.t, 'mashang-phone');
  const confirmed = await w.t.request('POST', '/api/v1/staff-bind', { token: phone.token, body: { code } });
  expect(confirmed.body).toMatchObject({ staffName: '马尚街道管理员', botCommand: `绑定 ${code}` });
  await panel.getByText('✓ 小程序已确认').waitFor({ timeout: 10_000 });

  // Then a private message to the bot from their WeChat.
  const me = w.contact('马主任');
  me.say('帮助').to(w.me);
  await waitFor(() => w.said(me.id).length === 1, 10_000);
  expect(w.said(me.id)[0]).toContain('只对登记过的工作人员开放');
  me.say(`绑定 ${code}`).to(w.me);
  await waitFor(() => w.said(me.id).length === 2, 10_000);
  expect(w.said(me.id)[1]).toContain('绑定成功');
  await panel.getByText('微信绑定成功，群助手已能认出您。').waitFor({ timeout: 10_000 });
  await panel.getByText('小程序：已绑定　群助手：已绑定').waitFor();
  await p.shot('bot-10-bind-wechat-done');
  await expectAccessible(p);
  me.say('帮助').to(w.me);
  await waitFor(() => w.said(me.id).length === 3, 10_000);
  expect(w.said(me.id)[2]).toContain('广播 <目标> <内容>');

  // Another town's admin is not bound, and the code means nothing to them.
  const other = await open();
  await signIn(other, 'nanding', 'nanding-pass-1');
  const token = String(await other.page.evaluate("JSON.parse(localStorage.getItem('zdhealth.console.session')).token"));
  expect((await w.t.request('GET', `/api/admin/v1/me/wechat-bind/${code}`, { token })).status).toBe(404);
  await other.page.getByRole('link', { name: /南定镇管理员/ }).click();
  await other.page.locator('[data-test=wechat-bind]').getByText('小程序：未绑定　群助手：未绑定').waitFor();
  for (const q of [p, other]) expect(q.problems).toEqual([]);
}, 120_000);

test('journey: the bot is logged out for longer than the alert time: district admins get a banner, the state says why and when it tries next; once back, the banner goes', async () => {
  await waitFor(() => w.wechaty.isLoggedIn, 10_000);
  await w.mocker.puppet.logout('手机端退出');
  await waitFor(
    async () => (await w.t.request('GET', '/api/admin/v1/bot/status', { token: await staffToken('district', 'district-pass-1') })).body.outage?.tries >= 1,
    20_000,
  );
  w.t.clock.advance(11 * 60_000);

  const d = await open();
  await signIn(d, 'district', 'district-pass-1');
  const banner = d.page.locator('[data-test=bot-offline]');
  await banner.getByText(/群机器人已离线 1[01] 分钟（微信账号已退出登录）/).waitFor({ timeout: 10_000 });
  await openBotScreen(d);
  const outage = d.page.locator('[data-test=bot-outage]');
  await outage.getByText('离线原因：微信账号已退出登录').waitFor();
  await outage.getByText(/已自动重试 \d+ 次；上次尝试：\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}；下次尝试：/).waitFor();
  await d.shot('bot-11-offline-alert');
  await expectAccessible(d);

  // A town admin is not alerted (the banner is for the district), but sees the state.
  const town = await open();
  await signIn(town, 'mashang', 'mashang-pass-1');
  await openBotScreen(town);
  await town.page.locator('[data-test=bot-outage]').waitFor();
  expect(await town.page.locator('[data-test=bot-offline]').count()).toBe(0);

  w.mocker.login(w.me);
  await d.page.locator('[data-test=bot-state]').filter({ hasText: '在线' }).waitFor({ timeout: 20_000 });
  await d.page
    .locator('[data-test=bot-last-outage]')
    .getByText(/微信账号已退出登录，自动重试 \d+ 次后恢复/)
    .waitFor();
  await d.page.reload();
  await d.page.locator('[data-test=bot-state]').filter({ hasText: '在线' }).waitFor();
  expect(await banner.count()).toBe(0);
  for (const p of [d, town]) expect(p.problems).toEqual([]);
}, 120_000);

async function staffToken(username: string, password: string): Promise<string> {
  return (await w.t.request('POST', '/api/admin/v1/auth/login', { body: { username, password } })).body.token;
}
