import { WechatyBuilder, types, type Wechaty } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { startBot, type BotHandle, type BotOptions } from '../../src/bot/bot';
import { createBindCode } from '../../src/modules/campaigns/rooms.service';
import { BotRooms, type BotRoomDoc } from '../../src/modules/campaigns/rooms.model';
import { Areas } from '../../src/modules/areas/areas.model';
import type { StaffPrincipal, StaffRole } from '../../src/access';
import { createStaff } from '../../src/modules/staff/staff.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { callerFor, seedVillages } from '../helpers/fixtures';

type RoomMock = ReturnType<mock.Mocker['createRoom']>;
type ContactMock = ReturnType<mock.Mocker['createContact']>;

/** Pacing off and no quiet hours unless a test asks: the suite stays fast and independent of the hour. */
export const FAST = { BOT_GAP_MIN_MS: '0', BOT_GAP_MAX_MS: '0', BOT_QUIET_HOURS: '', BOT_KEYWORD_COOLDOWN_SEC: '300' };

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A mock WeChat world: the bot logged in, residents, groups, and what each group and contact heard from the bot. */
export class World {
  mocker = new mock.Mocker();
  wechaty: Wechaty;
  bot!: BotHandle;
  me!: ContactMock;
  /** Texts the bot said, per mock room id and per contact id. */
  heard = new Map<string, string[]>();
  private seq = 0;

  constructor(readonly t: TestApp) {
    this.wechaty = WechatyBuilder.build({ puppet: new PuppetMock({ mocker: this.mocker }) });
  }

  static async create(config: Record<string, string> = {}): Promise<World> {
    const t = await startTestApp({ config: { ...FAST, ...config } });
    await seedVillages(t);
    const w = new World(t);
    await w.startBot();
    w.mocker.scan('https://login.weixin.qq.com/l/mock-qr', types.ScanStatus.Waiting);
    w.me = w.mocker.createContact({ name: '健康小助手' });
    w.mocker.login(w.me);
    await waitFor(() => w.wechaty.isLoggedIn);
    return w;
  }

  async startBot(opts: BotOptions = {}): Promise<BotHandle> {
    this.bot = await startBot(this.t.app, { wechaty: this.wechaty, delivery: false, worker: `w${++this.seq}`, ...opts });
    return this.bot;
  }

  said(id: string): string[] {
    return this.heard.get(id) ?? [];
  }

  contact(name: string): ContactMock {
    const c = this.mocker.createContact({ name });
    this.heard.set(c.id, []);
    c.on('message', (m: any) => {
      if (m.payload.talkerId === this.me.id) this.heard.get(c.id)!.push(m.payload.text);
    });
    return c;
  }

  room(topic: string, members: ContactMock[] = []): RoomMock {
    const r = this.mocker.createRoom({ topic, memberIdList: [this.me.id, ...members.map((m) => m.id)] });
    this.heard.set(r.id, []);
    r.on('message', (m: any) => {
      if (m.payload.talkerId === this.me.id) this.heard.get(r.id)!.push(m.payload.text);
    });
    return r;
  }

  async staff(role: StaffRole, areaCode: string, wechatId?: string): Promise<StaffPrincipal> {
    return createStaff(this.t.app, { username: `u${++this.seq}${Date.now() % 100000}`, password: 'correct-horse-battery', role, areaCode, wechatId });
  }

  /** A group bound to a village through a real bind code posted by a resident. */
  async boundRoom(topic: string, areaCode: string, by?: StaffPrincipal): Promise<{ room: RoomMock; doc: BotRoomDoc }> {
    const staff = by ?? (await this.staff('district_admin', '370303'));
    const resident = this.contact(`居民${++this.seq}`);
    const room = this.room(topic, [resident]);
    const { code } = await createBindCode(this.t.app, callerFor(this.t, staff), areaCode);
    resident.say(`绑定 ${code}`).to(room);
    await waitFor(async () => !!(await BotRooms(this.t.db).findOne({ wxRoomId: room.id }).lean()) && this.said(room.id).length > 0);
    this.heard.set(room.id, []);
    return { room, doc: (await BotRooms(this.t.db).findOne({ wxRoomId: room.id }).lean())! };
  }

  /** Many groups at once: mock rooms plus their records, as binding would leave them (binding has its own tests). */
  async rooms(n: number, areaCode: string, prefix = '群'): Promise<Array<{ room: RoomMock; doc: BotRoomDoc }>> {
    const area = (await Areas(this.t.db).findOne({ code: areaCode }).lean())!;
    const now = this.t.clock.now();
    const out: Array<{ room: RoomMock; doc: BotRoomDoc }> = [];
    for (let i = 0; i < n; i++) {
      const room = this.room(`${prefix}${++this.seq}`);
      const doc = await BotRooms(this.t.db).create({
        wxRoomId: room.id,
        topic: room.payload.topic,
        areaCode,
        areaPath: area.path,
        areaName: area.name,
        boundBy: { contactId: 'fixture', code: 'FIXTURE' },
        boundAt: now,
        active: true,
        updatedAt: now,
      });
      out.push({ room, doc: doc.toObject() });
    }
    return out;
  }

  /** Run delivery rounds until nothing due is left; `reap` first when a test needs dead workers' claims freed. */
  async drain(opts: { reap?: boolean; rounds?: number } = {}): Promise<number> {
    const rounds = opts.rounds ?? 50;
    let sent = 0;
    for (let i = 0; i < rounds; i++) {
      const s = await this.bot.deliverOnce(i === 0 && opts.reap === true);
      sent += s.sent;
      if (s.sent + s.retried + s.dead + s.expanded === 0) break;
    }
    await new Promise((r) => setTimeout(r, 20));
    return sent;
  }

  async close(): Promise<void> {
    await this.bot.stop();
    await this.t.close();
  }
}
