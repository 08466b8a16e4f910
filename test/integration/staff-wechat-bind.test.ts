import { onPrivateText, REFUSAL } from '../../src/bot/staff-commands';
import { Staff } from '../../src/modules/staff/staff.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS } from '../helpers/fixtures';

let t: TestApp;
let town: { token: string; id: string };
let other: { token: string; id: string };

beforeAll(async () => {
  t = await startTestApp({ now: '2026-11-28T02:00:00Z' });
  await seedVillages(t);
  town = await staffLogin(t, 'town_admin', TOWN_MS);
  other = await staffLogin(t, 'town_admin', TOWN_MS);
});
afterAll(() => t.close());

const newCode = async (token = town.token) => {
  const res = await t.request('POST', '/api/admin/v1/me/wechat-bind', { token });
  expect(res.status).toBe(201);
  return res.body as { code: string; scene: string; page: string; botCommand: string; expiresAt: string };
};
const state = async (code: string, token = town.token) => (await t.request('GET', `/api/admin/v1/me/wechat-bind/${code}`, { token })).body;
const confirm = (token: string, code: string) => t.request('POST', '/api/v1/staff-bind', { token, body: { code } });

test('when a staff member binds: the mini-program confirms (openid linked), then a private message to the bot links the contact; each step is single-use', async () => {
  const b = await newCode();
  expect(b).toMatchObject({ scene: `sb=${b.code}`, page: 'pages/staff-bind/index', botCommand: `绑定 ${b.code}` });
  expect(b.code).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);
  expect(await state(b.code)).toEqual({ state: 'waiting', expiresAt: b.expiresAt, appLinked: false, botLinked: false });

  // The QR is the mini-program code for that scene and page.
  const png = await fetch(`${t.url}/api/admin/v1/me/wechat-bind/${b.code}/qr.png`, { headers: { authorization: `Bearer ${town.token}` } });
  expect(png.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await png.arrayBuffer()).toString('latin1')).toContain(`scene=sb=${b.code}`);

  // The bot refuses the code before the mini-program step.
  expect(await onPrivateText(t.app, 'wxid_staff_1', `绑定 ${b.code}`)).toContain('请先用微信扫描');

  const me = await residentLogin(t, 'staffphone');
  const ok = await confirm(me.token, b.code.toLowerCase());
  expect(ok.status).toBe(200);
  expect(ok.body).toEqual({ staffName: expect.any(String), botCommand: `绑定 ${b.code}`, expiresAt: b.expiresAt });
  expect((await confirm(me.token, b.code)).status).toBe(200); // the same person tapping twice
  const stranger = await residentLogin(t, 'stranger');
  expect((await confirm(stranger.token, b.code)).body.error).toMatchObject({ code: 'BIND_CODE_USED' });
  expect(await state(b.code)).toMatchObject({ state: 'app_confirmed', appLinked: true, botLinked: false });
  expect((await Staff(t.db).findById(town.id).lean())?.wechatOpenId).toBe('o-staffphone');

  // Before the bot step the bot does not know them; after it, their commands are answered.
  expect(await onPrivateText(t.app, 'wxid_staff_1', '帮助')).toBe(REFUSAL);
  expect(await onPrivateText(t.app, 'wxid_staff_1', `绑定 ${b.code}`)).toContain('绑定成功');
  expect(await onPrivateText(t.app, 'wxid_staff_1', '帮助')).toContain('广播');
  // The help lists each module's staff commands.
  expect(await onPrivateText(t.app, 'wxid_staff_1', '帮助')).toBe(
    '可用指令：\n广播 <目标> <内容>（目标：全部，或镇街、村居名称）\n确认 <确认码>\n取消 <确认码>',
  );
  expect(await onPrivateText(t.app, 'wxid_someone', `绑定 ${b.code}`)).toContain('已经用过');
  expect(await state(b.code)).toMatchObject({ state: 'bound', appLinked: true, botLinked: true });
  expect((await t.request('GET', '/api/admin/v1/me/wechat', { token: town.token })).body).toEqual({ appLinked: true, botLinked: true });
});

test("when a code is someone else's, unknown or expired, then it is refused and nothing is linked", async () => {
  const b = await newCode();
  expect((await t.request('GET', `/api/admin/v1/me/wechat-bind/${b.code}`, { token: other.token })).status).toBe(404);
  const r = await residentLogin(t, 'late');
  expect((await confirm(r.token, 'ZZZZZZZZ')).body.error).toMatchObject({ code: 'BIND_CODE_UNKNOWN', message: '绑定码不正确，请在管理后台重新生成二维码' });
  t.clock.advance(11 * 60_000);
  expect((await confirm(r.token, b.code)).body.error).toMatchObject({ code: 'BIND_CODE_EXPIRED' });
  expect(await state(b.code)).toMatchObject({ state: 'expired' });
  expect(await onPrivateText(t.app, 'wxid_late', `绑定 ${b.code}`)).toContain('已过期');
  expect((await Staff(t.db).findById(other.id).lean())?.wechatOpenId).toBeUndefined();
});
