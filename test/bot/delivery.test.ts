import { Occurrences } from '../../src/modules/campaigns/campaigns.model';
import { BotRooms } from '../../src/modules/campaigns/rooms.model';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Outbox, OutboxClaims } from '../../src/notify/outbox.model';
import { enqueue, enqueueMany } from '../../src/notify/outbox.service';
import { memoryLedger, RateGovernor } from '../../src/notify/governor';
import { deliverRoomsOnce, startRoomDelivery, type RoomSender } from '../../src/bot/room-channel';
import { systemClock } from '../../src/lib/clock';
import { schedulerTick } from '../../src/modules/campaigns';
import { staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { WechatyRoomSender } from '../../src/bot/sender';
import { waitFor, World } from './world';

jest.setTimeout(30_000);
let w: World;
beforeAll(async () => {
  w = await World.create();
});
afterAll(() => w.close());

const inTenMinutes = (): string => new Date(w.t.clock.now().getTime() + 10 * 60_000).toISOString();

describe('campaign delivery', () => {
  let rooms: Awaited<ReturnType<World['rooms']>>;
  let campaignId: string;

  test('when a campaign to 50 groups is drafted, reviewed and its time comes, then each group gets it exactly once', async () => {
    rooms = [...(await w.rooms(25, VILLAGE_A, '东村')), ...(await w.rooms(25, VILLAGE_B, '西村'))];
    const other = await w.rooms(2, VILLAGE_C, '南村');
    const worker = await staffLogin(w.t, 'village_worker', VILLAGE_A);
    const town = await staffLogin(w.t, 'town_admin', TOWN_MS);
    const nd = await staffLogin(w.t, 'town_admin', TOWN_ND);
    const colleague = await staffLogin(w.t, 'town_admin', TOWN_MS);
    // A village worker may only target their own village.
    const wide = await w.t.request('POST', '/api/admin/v1/campaigns', {
      token: worker.token,
      body: { title: '冬季防流感', text: 'x', targets: { areaCodes: [TOWN_MS] }, schedule: { kind: 'once', at: inTenMinutes() } },
    });
    expect(wide.status).toBe(403);
    const draft = await w.t.request('POST', '/api/admin/v1/campaigns', {
      token: town.token,
      body: {
        title: '冬季防流感',
        text: '冬季流感高发，老人孩子记得接种流感疫苗。',
        targets: { areaCodes: [TOWN_MS] },
        schedule: { kind: 'once', at: inTenMinutes() },
      },
    });
    expect(draft.status).toBe(201);
    campaignId = draft.body.id;
    expect(draft.body.status).toBe('draft');
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${campaignId}/approve`, { token: colleague.token })).status).toBe(409);
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${campaignId}/submit`, { token: town.token })).body.status).toBe('pending_review');
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${campaignId}/approve`, { token: worker.token })).status).toBe(403);
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${campaignId}/approve`, { token: nd.token })).status).toBe(404);
    // Four eyes: the author cannot approve their own campaign; a colleague can.
    const own = await w.t.request('POST', `/api/admin/v1/campaigns/${campaignId}/approve`, { token: town.token });
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('OWN_CAMPAIGN');
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${campaignId}/approve`, { token: colleague.token })).body).toMatchObject({
      status: 'approved',
      createdBy: town.id,
      approvedBy: colleague.id,
    });

    expect(await schedulerTick(w.t.app)).toEqual({ fired: 0, skipped: 0 }); // not yet
    w.t.clock.advance(10 * 60_000);
    expect(await schedulerTick(w.t.app)).toEqual({ fired: 1, skipped: 0 });
    expect(await schedulerTick(w.t.app)).toEqual({ fired: 0, skipped: 0 });
    expect(await w.drain()).toBe(50);
    for (const r of rooms) expect(w.said(r.room.id)).toEqual(['冬季流感高发，老人孩子记得接种流感疫苗。']);
    for (const r of other) expect(w.said(r.room.id)).toEqual([]);
    expect(await w.drain()).toBe(0);

    const report = await w.t.request('GET', `/api/admin/v1/campaigns/${campaignId}/report`, { token: town.token });
    expect(report.body.campaign.status).toBe('finished');
    expect(report.body.occurrences[0].totals).toEqual({ rooms: 50, sent: 50, pending: 0, dead: 0, cancelled: 0 });
    const actions = (await AuditLog(w.t.db).find({ targetId: campaignId }).lean()).map((a) => a.action).sort();
    expect(actions).toEqual(['campaign.approved', 'campaign.create', 'campaign.pending_review']);
    const approval = await AuditLog(w.t.db).findOne({ targetId: campaignId, action: 'campaign.approved' }).lean();
    expect(approval).toMatchObject({ actorId: colleague.id, details: { author: town.id } });
  });

  test('when the bot dies mid-round and a new one starts, then every group still gets it exactly once', async () => {
    const town = await staffLogin(w.t, 'town_admin', TOWN_MS);
    const district = await staffLogin(w.t, 'district_admin', '370303');
    const res = await w.t.request('POST', '/api/admin/v1/broadcasts', {
      token: town.token,
      body: { text: '明早八点集中体检', targets: { areaCodes: [TOWN_MS] } },
    });
    expect(res.body.status).toBe('pending_review'); // a broadcast waits for someone other than its author
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${res.body.id}/approve`, { token: town.token })).status).toBe(403);
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${res.body.id}/approve`, { token: district.token })).body.status).toBe('finished');
    for (const r of rooms) w.heard.set(r.room.id, []);
    // The first bot sends 20 and then hangs forever inside the 21st send (the process is killed there).
    let calls = 0;
    const dying: RoomSender = { send: (room, m) => (++calls <= 20 ? w.bot.sender.send(room, m) : new Promise(() => undefined)) };
    void deliverRoomsOnce(w.t.app, { sender: dying, worker: 'dying-bot', backoffMs: 0, reap: false });
    const deadline = Date.now() + 5000;
    while (calls < 21 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await OutboxClaims(w.t.db).countDocuments({ worker: 'dying-bot' })).toBe(21);
    // The new bot at once: the 21st item is still claimed by the dead one, the rest go out.
    await w.drain();
    expect(rooms.filter((r) => w.said(r.room.id).length === 1)).toHaveLength(49);
    // After the claim lease passes, the stranded item is reaped and sent.
    w.t.clock.advance(121_000);
    await w.drain({ reap: true });
    for (const r of rooms) expect(w.said(r.room.id)).toEqual(['明早八点集中体检']);
  });

  test('when the worker died half-way through expanding an occurrence, then the next tick completes it without duplicates', async () => {
    const town = await staffLogin(w.t, 'town_admin', TOWN_MS);
    const draft = await w.t.request('POST', '/api/admin/v1/campaigns', {
      token: town.token,
      body: { title: '半途', text: '半途而废不可取', targets: { areaCodes: [TOWN_MS] }, schedule: { kind: 'once', at: inTenMinutes() } },
    });
    await w.t.request('POST', `/api/admin/v1/campaigns/${draft.body.id}/submit`, { token: town.token });
    await w.t.request('POST', `/api/admin/v1/campaigns/${draft.body.id}/approve`, { token: (await staffLogin(w.t, 'district_admin', '370303')).token });
    w.t.clock.advance(10 * 60_000);
    // What a killed worker leaves: the occurrence recorded, 20 of 50 items queued, and 10 of those already sent.
    const at = new Date(w.t.clock.now());
    const occ = at.toISOString().slice(0, 16).replace(/[-:]/g, '') + 'Z';
    await Occurrences(w.t.db).create({
      _id: `${draft.body.id}:${occ}`,
      campaignId: draft.body.id,
      occurrence: occ,
      scheduledAt: at,
      state: 'fired',
      createdAt: at,
    });
    await enqueueMany(
      w.t.app,
      rooms.slice(0, 20).map((r) => ({
        key: `campaign:${draft.body.id}:${occ}:room:${r.doc._id}`,
        channel: 'room' as const,
        payload: { roomId: String(r.doc._id), text: '半途而废不可取' },
        source: { campaignId: draft.body.id, occurrence: occ },
        areaPath: r.doc.areaPath,
      })),
    );
    for (const r of rooms) w.heard.set(r.room.id, []);
    await deliverRoomsOnce(w.t.app, { sender: w.bot.sender, worker: 'old', batch: 10, reap: false });
    expect(await schedulerTick(w.t.app)).toEqual({ fired: 1, skipped: 0 });
    await w.drain();
    for (const r of rooms) expect(w.said(r.room.id)).toEqual(['半途而废不可取']);
    expect(await Outbox(w.t.db).countDocuments({ 'source.campaignId': draft.body.id })).toBe(50);
  });

  test('when area notices (talk notices) are queued, then each bound group under the area gets them once', async () => {
    for (const r of rooms) w.heard.set(r.room.id, []);
    await enqueue(w.t.app, {
      key: 'talk:T1:announce',
      channel: 'room',
      payload: { areaCode: VILLAGE_A, text: '12月3日下午两点，东村卫生室高血压讲座' },
      source: { talkId: 'T1' },
      areaPath: ['370303', TOWN_MS, VILLAGE_A],
    });
    await enqueue(w.t.app, { key: 'talk:T1:announce', channel: 'room', payload: { areaCode: VILLAGE_A, text: 'duplicate' } });
    await w.drain();
    await w.drain();
    const east = rooms.filter((r) => r.doc.areaCode === VILLAGE_A);
    for (const r of east) expect(w.said(r.room.id)).toEqual(['12月3日下午两点，东村卫生室高血压讲座']);
    for (const r of rooms.filter((x) => x.doc.areaCode === VILLAGE_B)) expect(w.said(r.room.id)).toEqual([]);
    expect(await Outbox(w.t.db).countDocuments({ key: /^talk:T1:announce:room:/, status: 'sent' })).toBe(25);
    expect((await Outbox(w.t.db).findOne({ key: 'talk:T1:announce' }).lean())?.status).toBe('sent');
  });

  test('when a campaign is cancelled after expansion, then its unsent items are dropped', async () => {
    const town = await staffLogin(w.t, 'town_admin', TOWN_MS);
    const approver = await staffLogin(w.t, 'district_admin', '370303');
    const res = await w.t.request('POST', '/api/admin/v1/broadcasts', {
      token: town.token,
      body: { text: '取消我', targets: { roomIds: [String(rooms[0]!.doc._id)] } },
    });
    await w.t.request('POST', `/api/admin/v1/campaigns/${res.body.id}/approve`, { token: approver.token });
    const cancel = await w.t.request('POST', `/api/admin/v1/campaigns/${res.body.id}/cancel`, { token: town.token });
    expect(cancel.status).toBe(409); // a broadcast is finished once queued: cancel applies to campaigns still running
    const camp = await w.t.request('POST', '/api/admin/v1/campaigns', {
      token: town.token,
      body: { title: '每周', text: '每周提醒', targets: { areaCodes: [VILLAGE_A] }, schedule: { kind: 'cron', cron: '* * * * *' } },
    });
    await w.t.request('POST', `/api/admin/v1/campaigns/${camp.body.id}/submit`, { token: town.token });
    await w.t.request('POST', `/api/admin/v1/campaigns/${camp.body.id}/approve`, { token: approver.token });
    w.t.clock.advance(60_000);
    await schedulerTick(w.t.app);
    const c2 = await w.t.request('POST', `/api/admin/v1/campaigns/${camp.body.id}/cancel`, { token: town.token });
    expect(c2.body).toMatchObject({ status: 'cancelled', cancelledItems: 25 });
    for (const r of rooms) w.heard.set(r.room.id, []);
    await w.drain();
    expect(rooms.filter((r) => w.said(r.room.id).includes('每周提醒'))).toHaveLength(0);
  });
});

/** A governor on the real clock, so its gaps pass while a test waits (the outbox's own times use the fake clock). */
const realGovernor = (gapMinMs: number, gapMaxMs: number) =>
  new RateGovernor({ gapMinMs, gapMaxMs, hourlyCap: 10_000, dailyCap: 10_000, quietHours: null, clock: systemClock, ledger: memoryLedger() });

describe('one stranded item', () => {
  test('when a killed bot left one claim behind, then the other groups get their messages at once and only that item waits for its lease', async () => {
    const groups = await w.rooms(11, VILLAGE_C, '滞留');
    const [stuck, ...others] = groups;
    const now = w.t.clock.now();
    // First in the queue: the item the killed bot was sending, its claim still held (lease 2 min).
    await enqueue(w.t.app, {
      key: 'stall:stuck',
      channel: 'room',
      payload: { roomId: String(stuck!.doc._id), text: '卡住的那条' },
      notBefore: new Date(now.getTime() - 60_000),
    });
    const item = (await Outbox(w.t.db).findOne({ key: 'stall:stuck' }).lean())!;
    await OutboxClaims(w.t.db).create({
      _id: `${item._id}:0`,
      itemId: item._id,
      attempt: 0,
      worker: 'killed-bot',
      claimedAt: now,
      leaseUntil: new Date(now.getTime() + 120_000),
    });
    for (const [i, g] of others.entries())
      await enqueue(w.t.app, { key: `stall:${i}`, channel: 'room', payload: { roomId: String(g.doc._id), text: `第${i}条` } });

    const stop = startRoomDelivery(w.t.app, { sender: w.bot.sender, governor: realGovernor(30, 80), worker: 'restarted-bot', intervalMs: 500 });
    try {
      const started = Date.now();
      // Before: every round ended at the stranded claim, so nothing went out until the reaper freed it (~2–3 min).
      await waitFor(() => others.every((g) => w.said(g.room.id).length === 1), 8000);
      expect(Date.now() - started).toBeLessThan(8000);
      expect(w.said(stuck!.room.id)).toEqual([]);
      // Its lease passes: the loop's next reap frees it and it goes out too, once.
      w.t.clock.advance(121_000);
      await waitFor(() => w.said(stuck!.room.id).length === 1, 8000);
    } finally {
      await stop();
    }
    expect(w.said(stuck!.room.id)).toEqual(['卡住的那条']);
    others.forEach((g, i) => expect(w.said(g.room.id)).toEqual([`第${i}条`]));
  });

  test('when an item cannot be sent (group gone), then its send slot is given back and the next group is not kept waiting', async () => {
    const [gone, fine] = await w.rooms(2, VILLAGE_C, '让位');
    await BotRooms(w.t.db).updateOne({ _id: gone!.doc._id }, { $set: { wxRoomId: 'vanished@chatroom', topic: '不存在的群' } });
    const now = w.t.clock.now().getTime();
    await enqueue(w.t.app, {
      key: 'slot:gone',
      channel: 'room',
      payload: { roomId: String(gone!.doc._id), text: '找不到' },
      notBefore: new Date(now - 30_000),
    });
    await enqueue(w.t.app, {
      key: 'slot:fine',
      channel: 'room',
      payload: { roomId: String(fine!.doc._id), text: '照常送达' },
      notBefore: new Date(now - 20_000),
    });
    // A one-minute gap: had the failed item used a slot, the second would wait a minute.
    const governor = realGovernor(60_000, 60_001);
    const round = await deliverRoomsOnce(w.t.app, { sender: w.bot.sender, governor, worker: 'slots', backoffMs: 60_000, reap: false });
    expect(round).toMatchObject({ sent: 1, retried: 1 });
    await waitFor(() => w.said(fine!.room.id).length === 1);
    // The slot used by that send is kept: the next item waits, and its claim is given back for later.
    await enqueue(w.t.app, { key: 'slot:next', channel: 'room', payload: { roomId: String(fine!.doc._id), text: '下一条' } });
    expect(await deliverRoomsOnce(w.t.app, { sender: w.bot.sender, governor, worker: 'slots', reap: false })).toMatchObject({ sent: 0, retried: 0 });
    const next = (await Outbox(w.t.db).findOne({ key: 'slot:next' }).lean())!;
    expect(await OutboxClaims(w.t.db).countDocuments({ itemId: next._id })).toBe(0);
    expect(next).toMatchObject({ status: 'pending', attempts: 0 });
  });
});

describe('failures', () => {
  test('when a group cannot be reached, then the item is retried with backoff and then dead, visible to staff with a retry', async () => {
    const [lost] = await w.rooms(1, VILLAGE_C, '失联');
    await BotRooms(w.t.db).updateOne({ _id: lost!.doc._id }, { $set: { wxRoomId: 'gone@chatroom', topic: '已解散的群' } });
    await enqueue(w.t.app, { key: 'fail:1', channel: 'room', payload: { roomId: String(lost!.doc._id), text: 'x' }, areaPath: lost!.doc.areaPath });
    const first = await deliverRoomsOnce(w.t.app, { sender: w.bot.sender, worker: 'f', backoffMs: 1000, random: () => 0.5, reap: false });
    expect(first.retried).toBe(1);
    const after1 = (await Outbox(w.t.db).findOne({ key: 'fail:1' }).lean())!;
    expect(after1).toMatchObject({ status: 'pending', attempts: 1, lastError: 'group not found by id or topic' });
    expect(after1.notBefore.getTime() - w.t.clock.now().getTime()).toBe(1000);
    expect((await deliverRoomsOnce(w.t.app, { sender: w.bot.sender, worker: 'f', backoffMs: 1000, reap: false })).retried).toBe(0); // backing off
    for (let i = 0; i < 4; i++) {
      w.t.clock.advance(60_000);
      await deliverRoomsOnce(w.t.app, { sender: w.bot.sender, worker: 'f', backoffMs: 1000, reap: false });
    }
    expect(await Outbox(w.t.db).findOne({ key: 'fail:1' }).lean()).toMatchObject({ status: 'dead', attempts: 5 });
    expect((await BotRooms(w.t.db).findById(lost!.doc._id).lean())?.attention).toBe('not_found');

    const staff = await staffLogin(w.t, 'village_worker', VILLAGE_C);
    const list = await w.t.request('GET', '/api/admin/v1/bot/dead-items', { token: staff.token });
    const item = list.body.items.find((i: { key: string }) => i.key === 'fail:1');
    expect(item).toMatchObject({ attempts: 5, lastError: 'group not found by id or topic' });
    const elsewhere = await staffLogin(w.t, 'village_worker', VILLAGE_A);
    expect((await w.t.request('POST', `/api/admin/v1/bot/dead-items/${item.id}/retry`, { token: elsewhere.token })).status).toBe(404);
    // The group comes back under its name with a new id: the retry re-resolves it by topic and delivers.
    const back = w.room('已解散的群');
    expect((await w.t.request('POST', `/api/admin/v1/bot/dead-items/${item.id}/retry`, { token: staff.token })).body).toEqual({ retried: true });
    await w.drain();
    expect(w.said(back.id)).toEqual(['x']);
    expect(await BotRooms(w.t.db).findById(lost!.doc._id).lean()).toMatchObject({ wxRoomId: back.id });
  });

  test('when a stored id is gone and two groups carry its name, then it is flagged for staff instead of guessed', async () => {
    const [twin] = await w.rooms(1, VILLAGE_C, '重名');
    await BotRooms(w.t.db).updateOne({ _id: twin!.doc._id }, { $set: { wxRoomId: 'old@chatroom', topic: '南村大家庭' } });
    const a = w.room('南村大家庭');
    const b = w.room('南村大家庭');
    await enqueue(w.t.app, { key: 'twin:1', channel: 'room', payload: { roomId: String(twin!.doc._id), text: '谁是谁' } });
    await w.drain();
    expect(w.said(a.id)).toEqual([]);
    expect(w.said(b.id)).toEqual([]);
    expect(await Outbox(w.t.db).findOne({ key: 'twin:1' }).lean()).toMatchObject({ status: 'dead' });
    expect((await BotRooms(w.t.db).findById(twin!.doc._id).lean())?.attention).toBe('ambiguous_topic');
  });

  test('when the puppet throws on send, then the item is retried and sent on the next attempt', async () => {
    const [flaky] = await w.rooms(1, VILLAGE_C, '抖动');
    const puppet = w.mocker.puppet;
    const original = puppet.messageSendText.bind(puppet);
    let failures = 1;
    jest.spyOn(puppet, 'messageSendText').mockImplementation(async (id: string, text: string) => {
      if (id === flaky!.room.id && failures-- > 0) throw new Error('发送消息过于频繁');
      return original(id, text);
    });
    await enqueue(w.t.app, { key: 'flaky:1', channel: 'room', payload: { roomId: String(flaky!.doc._id), text: '再试一次' } });
    await w.drain();
    jest.restoreAllMocks();
    expect(w.said(flaky!.room.id)).toEqual(['再试一次']);
    expect(await Outbox(w.t.db).findOne({ key: 'flaky:1' }).lean()).toMatchObject({ status: 'sent', attempts: 2 });
  });
});

describe('cards', () => {
  test('when the puppet can send cards, then the text goes out plain and the card as a mini-program message', async () => {
    const [r] = await w.rooms(1, VILLAGE_C, '卡片');
    const ctx = { ...w.t.app, config: { ...w.t.app.config, BOT_SEND_CARDS: true, BOT_MINIPROGRAM_USERNAME: 'gh_0123456789ab' } };
    const spy = jest.spyOn(w.mocker.puppet, 'messageSendMiniProgram');
    const sender = new WechatyRoomSender(ctx, w.wechaty);
    expect(await sender.send(r!.doc, { text: '来答题', card: { title: '健康知识答题', pagePath: 'pages/quiz/index' } })).toEqual({ result: 'sent' });
    await waitFor(() => w.said(r!.room.id).length === 1);
    expect(w.said(r!.room.id)).toEqual(['来答题']);
    expect(spy).toHaveBeenCalledWith(r!.room.id, expect.objectContaining({ username: 'gh_0123456789ab', title: '健康知识答题', pagePath: 'pages/quiz/index' }));
    spy.mockRestore();
  });

  test('when it cannot, then the text carries a way to find the page instead', async () => {
    const [r] = await w.rooms(1, VILLAGE_C, '无卡片');
    const spy = jest.spyOn(w.mocker.puppet, 'messageSendMiniProgram');
    await w.bot.sender.send(r!.doc, { text: '来答题', card: { title: '健康知识答题', pagePath: 'pages/quiz/index' } });
    await waitFor(() => w.said(r!.room.id).length === 1);
    expect(w.said(r!.room.id)[0]).toBe('来答题\n👉 微信搜索小程序「张店家庭健康」，打开「健康知识答题」');
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
