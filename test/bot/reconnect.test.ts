import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { log } from 'wechaty';
import { PuppetServer } from 'wechaty-puppet-service';
import { buildWechaty } from '../../src/bot/bot';
import { getBotStatus } from '../../src/modules/campaigns/bot-status';
import { schedulerTick } from '../../src/modules/campaigns';
import { Outbox } from '../../src/notify/outbox.model';
import { enqueue } from '../../src/notify/outbox.service';
import { startTestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B } from '../helpers/fixtures';
import { FAST, waitFor, World } from './world';

jest.setTimeout(90_000);
log.level('silent');

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * The bot talks wechaty-puppet-service over loopback to a real PuppetServer in this process, which fronts the mock
 * WeChat (the World's mock puppet): the server side is what a PadLocal/WorkPro gateway is to the bot in production.
 */
class Gateway {
  server: PuppetServer | null = null;
  private beat: NodeJS.Timeout | undefined;
  constructor(
    readonly w: World,
    readonly port: number,
    readonly token: string,
  ) {}

  get puppet() {
    return this.w.mocker.puppet;
  }

  async up(): Promise<void> {
    this.server = new PuppetServer({ endpoint: `127.0.0.1:${this.port}`, puppet: this.puppet, token: this.token });
    await this.server.start();
  }

  /** The gateway goes away (process or network gone); its WeChat session, the puppet, keeps running. */
  async down(): Promise<void> {
    await this.server?.stop();
    this.server = null;
  }

  /** WeChat's keep-alive, as a gateway sends it. */
  heartbeats(on: boolean): void {
    clearInterval(this.beat);
    if (on) this.beat = setInterval(() => this.puppet.emit('heartbeat', { data: 'gateway keep-alive' }), 200);
  }
}

let w: World;
let gw: Gateway;
let stopsOfRemote: jest.SpyInstance;
let rooms: Awaited<ReturnType<World['rooms']>>;
let district: { token: string; id: string };

const status = async () => (await w.t.request('GET', '/api/admin/v1/bot/status', { token: district.token })).body;
const online = async () => (await getBotStatus(w.t.app)).state === 'logged_in' && w.wechaty.isLoggedIn;

/** One message per group, each keyed as the outbox keys them; what every group heard is checked with `heardOnce`. */
async function queueForEveryGroup(tag: string): Promise<void> {
  for (const r of rooms)
    await enqueue(w.t.app, {
      key: `${tag}:room:${r.doc._id}`,
      channel: 'room',
      payload: { roomId: String(r.doc._id), text: `${tag} ${r.doc.topic}` },
      areaPath: r.doc.areaPath,
    });
}
async function heardOnce(...tags: string[]): Promise<void> {
  await waitFor(() => rooms.every((r) => w.said(r.room.id).length >= tags.length), 20_000);
  await new Promise((r) => setTimeout(r, 300)); // a duplicate, if any, would arrive now
  for (const r of rooms) expect(w.said(r.room.id)).toEqual(tags.map((tag) => `${tag} ${r.doc.topic}`));
  for (const r of rooms) w.heard.set(r.room.id, []);
}

beforeAll(async () => {
  const port = await freePort();
  const token = `insecure_${Math.random().toString(36).slice(2)}`;
  const t = await startTestApp({
    config: {
      ...FAST,
      WECHATY_PUPPET: 'wechaty-puppet-service',
      WECHATY_PUPPET_SERVICE_TOKEN: token,
      WECHATY_PUPPET_SERVICE_ENDPOINT: `127.0.0.1:${port}`,
      BOT_WATCHDOG_SEC: '1',
      BOT_RECONNECT_MIN_MS: '500',
      BOT_RECONNECT_MAX_MS: '2000',
      BOT_DELIVERY_INTERVAL_MS: '100',
      BOT_OFFLINE_ALERT_MIN: '10',
    },
  });
  await seedVillages(t);
  w = new World(t);
  gw = new Gateway(w, port, token);
  await gw.puppet.start();
  w.me = w.mocker.createContact({ name: '健康小助手' });
  w.mocker.login(w.me);
  rooms = [...(await w.rooms(3, VILLAGE_A, '东村')), ...(await w.rooms(3, VILLAGE_B, '西村'))];
  district = await staffLogin(t, 'district_admin', '370303');
  stopsOfRemote = jest.spyOn(gw.puppet, 'stop');
});

afterAll(async () => {
  gw.heartbeats(false);
  await w.bot?.stop();
  await gw.down();
  await gw.puppet.stop();
  await w.t.close();
  // The puppet-service client caches payloads under the home directory, per token.
  fs.rmSync(path.join(os.homedir(), '.wechaty', 'wechaty-puppet-service', gw.token), { recursive: true, force: true });
});

describe('the bot behind wechaty-puppet-service comes back by itself', () => {
  test('when the first start fails twice (gateway not up yet), then it retries with backoff, comes up and sends what was queued, once', async () => {
    w.wechaty = await buildWechaty(w.t.app.config, {});
    await queueForEveryGroup('开机');
    // No jitter: the delays are 0.5 s, then 1 s, 2 s, 2 s…, so the gateway comes up between the second and third try.
    await w.startBot({ wechaty: w.wechaty, delivery: true, random: () => 1 });
    // The first start has failed; the bot shows when it will try again.
    const first = await status();
    expect(first.outage).toMatchObject({ reason: 'start_failed', reasonLabel: '启动失败', tries: 0 });
    expect(first.outage.nextTryAt).not.toBeNull();
    // Its first try fails too; the next one is scheduled, further out.
    await waitFor(async () => (await status()).outage?.tries === 1 && (await status()).outage?.nextTryAt !== null, 10_000);
    const second = await status();
    expect(second.state).toBe('reconnecting');
    expect(second.outage.lastTryAt).not.toBeNull();
    expect(rooms.every((r) => w.said(r.room.id).length === 0)).toBe(true);
    expect(await Outbox(w.t.db).countDocuments({ key: /^开机:/, attempts: 0, status: 'pending' })).toBe(rooms.length);

    await gw.up();
    gw.heartbeats(true);
    await waitFor(online, 15_000);
    await heardOnce('开机');
    const back = await status();
    expect(back).toMatchObject({ state: 'logged_in', outage: null, account: { id: w.me.id }, alert: null });
    expect(back.lastOutage).toMatchObject({ reason: 'start_failed', tries: 2, nextTryAt: null });
    expect(back.lastOutage.until).not.toBeNull();
  });

  test('when heartbeats stop until the watchdog fires, then the bot reconnects without stopping the remote puppet and nothing is lost or doubled', async () => {
    const reconnectsBefore = (await status()).reconnects;
    gw.heartbeats(false);
    await waitFor(async () => (await getBotStatus(w.t.app)).outage?.reason === 'watchdog', 10_000);
    await queueForEveryGroup('心跳');
    gw.heartbeats(true);
    await waitFor(async () => (await online()) && (await status()).lastOutage?.reason === 'watchdog', 15_000);
    await heardOnce('心跳');
    const s = await status();
    expect(s.outage).toBeNull();
    expect(s.lastOutage).toMatchObject({ reason: 'watchdog', reasonLabel: '心跳超时，连接已重置' });
    expect(s.reconnects).toBeGreaterThanOrEqual(reconnectsBefore);
    // The WeChat session on the gateway was never stopped: no new login was needed.
    expect(stopsOfRemote).not.toHaveBeenCalled();
    expect(gw.puppet.isLoggedIn).toBe(true);
  });

  test('when the stream drops and the gateway stays away, then staff see the tries and the alert; once back, queued messages and a missed occurrence go out in order, once', async () => {
    const admin = w.contact('区级管理员');
    await w.staff('district_admin', '370303', admin.id);
    const town = await staffLogin(w.t, 'town_admin', TOWN_MS);
    const at = new Date(w.t.clock.now().getTime() + 5 * 60_000).toISOString();
    const c = await w.t.request('POST', '/api/admin/v1/campaigns', {
      token: town.token,
      body: { title: '断线期间', text: '断线期间的定时消息', targets: { areaCodes: [TOWN_MS] }, schedule: { kind: 'once', at } },
    });
    await w.t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: town.token });
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/approve`, { token: district.token })).body.status).toBe('approved');

    await gw.down();
    await waitFor(async () => (await getBotStatus(w.t.app)).outage?.reason === 'stream', 10_000);
    await queueForEveryGroup('断线一');
    await queueForEveryGroup('断线二');
    // The campaign's time passes while the bot is away: the occurrence fires into the outbox and waits there.
    w.t.clock.advance(5 * 60_000);
    expect(await schedulerTick(w.t.app)).toEqual({ fired: 1, skipped: 0 });
    // A try against a gateway that is not there takes a few seconds (the client waits for the stream).
    await waitFor(async () => ((await status()).outage?.tries ?? 0) >= 1 && (await status()).outage?.nextTryAt != null, 30_000);
    const away = await status();
    expect(away.state).not.toBe('logged_in');
    expect(away.outage).toMatchObject({ reason: 'stream', reasonLabel: '与微信服务的连接中断' });
    expect(away.outage.lastTryAt).not.toBeNull();
    expect(away.alert).toBeNull();
    // Offline longer than BOT_OFFLINE_ALERT_MIN: the district admins' banner, and the bot records that it alerted.
    w.t.clock.advance(11 * 60_000);
    const alarmed = await status();
    expect(alarmed.alert.message).toContain('群机器人已离线');
    expect(alarmed.alert.message).toContain('与微信服务的连接中断');
    await waitFor(async () => (await status()).outage?.alertedAt != null, 10_000);
    expect(await Outbox(w.t.db).countDocuments({ key: /^断线/, status: 'pending', attempts: 0 })).toBe(2 * rooms.length);
    expect(rooms.every((r) => w.said(r.room.id).length === 0)).toBe(true);

    await gw.up();
    await waitFor(online, 15_000);
    await waitFor(() => rooms.every((r) => w.said(r.room.id).length >= 3), 20_000);
    await new Promise((r) => setTimeout(r, 300));
    for (const r of rooms) {
      const inTown = r.doc.areaPath.includes(TOWN_MS);
      expect(w.said(r.room.id)).toEqual([`断线一 ${r.doc.topic}`, `断线二 ${r.doc.topic}`, ...(inTown ? ['断线期间的定时消息'] : [])]);
      w.heard.set(r.room.id, []);
    }
    const s = await status();
    expect(s).toMatchObject({ state: 'logged_in', outage: null, alert: null });
    expect(s.lastOutage.reason).toBe('stream');
    expect(s.lastOutage.tries).toBeGreaterThanOrEqual(2);
    expect(s.reconnects).toBeGreaterThanOrEqual(s.lastOutage.tries);
    expect(s.lastOutage.alertedAt).not.toBeNull();
    // Now that the bot can send again, the admin with a linked WeChat hears about the outage, once.
    await waitFor(() => w.said(admin.id).length === 1, 10_000);
    expect(w.said(admin.id)[0]).toContain('已自动恢复');
    expect(stopsOfRemote).not.toHaveBeenCalled();
  });

  test('when the account is logged out and back in, then nothing is sent while out, and every group gets its messages once after', async () => {
    await gw.puppet.logout('手机端退出');
    await waitFor(async () => (await getBotStatus(w.t.app)).outage?.reason === 'logout', 10_000);
    await queueForEveryGroup('重登');
    await waitFor(async () => ((await status()).outage?.tries ?? 0) >= 1, 10_000);
    const out = await status();
    expect(out.state).not.toBe('logged_in');
    expect(out.outage).toMatchObject({ reason: 'logout', reasonLabel: '微信账号已退出登录' });
    expect(out.lastError.message).toContain('logged out');
    expect(rooms.every((r) => w.said(r.room.id).length === 0)).toBe(true);
    // A delivery round that runs while the bot is out (one begun just before the logout) attempts nothing.
    expect(await w.bot.deliverOnce(false)).toMatchObject({ sent: 0, retried: 0, dead: 0 });
    expect(await Outbox(w.t.db).countDocuments({ key: /^重登:/, status: 'pending', attempts: 0 })).toBe(rooms.length);

    w.mocker.login(w.me);
    await waitFor(online, 15_000);
    await heardOnce('重登');
    expect((await status()).lastOutage).toMatchObject({ reason: 'logout' });
    expect(await Outbox(w.t.db).countDocuments({ status: 'dead' })).toBe(0);
  });
});
