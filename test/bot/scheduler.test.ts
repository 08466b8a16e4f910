import { Campaigns, Occurrences } from '../../src/modules/campaigns/campaigns.model';
import { BotRooms } from '../../src/modules/campaigns/rooms.model';
import { DAILY_TIPS_ID, seedDailyTipsCampaign } from '../../src/modules/campaigns/daily-tips';
import { tipForDay, tipMessage } from '../../src/modules/campaigns/tips';
import { Outbox } from '../../src/notify/outbox.model';
import { Leases } from '../../src/scheduler/lease';
import { schedulerTick } from '../../src/modules/campaigns';
import { startScheduler } from '../../src/scheduler/scheduler';
import { staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_C } from '../helpers/fixtures';
import { World } from './world';

jest.setTimeout(30_000);
let w: World;
beforeAll(async () => {
  // 2026-11-28 06:00 in Shanghai.
  w = await World.create();
  w.t.clock.set('2026-11-27T22:00:00Z');
});
afterAll(() => w.close());

/** Someone other than the author approves (four eyes). */
const districtApprover = () => staffLogin(w.t, 'district_admin', '370303');

async function approvedCron(cron: string, areaCode = VILLAGE_A): Promise<string> {
  const town = await staffLogin(w.t, 'town_admin', TOWN_MS);
  const c = await w.t.request('POST', '/api/admin/v1/campaigns', {
    token: town.token,
    body: { title: `定时 ${cron}`, text: `提醒 ${cron}`, targets: { areaCodes: [areaCode] }, schedule: { kind: 'cron', cron } },
  });
  await w.t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: town.token });
  const a = await w.t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/approve`, { token: (await districtApprover()).token });
  expect(a.body.status).toBe('approved');
  return c.body.id;
}

describe('scheduler', () => {
  test('when two workers run, then exactly one leads; when it dies, the other takes over within a slot', async () => {
    const a = await startScheduler(w.t.app, { holder: 'worker-a', timers: false });
    const b = await startScheduler(w.t.app, { holder: 'worker-b', timers: false });
    const rounds = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).poke().then((lead) => [i % 2 ? 'a' : 'b', lead] as const)));
    const leaders = new Set(rounds.filter(([, lead]) => lead).map(([who]) => who));
    expect(leaders.size).toBe(1);
    const leader = leaders.has('a') ? a : b;
    const follower = leader === a ? b : a;
    // The leader keeps leading across slots by taking the next one early.
    w.t.clock.advance(40_000);
    expect(await leader.poke()).toBe(true);
    w.t.clock.advance(30_000);
    expect(await follower.poke()).toBe(false);
    expect(await leader.poke()).toBe(true);
    // The leader dies (no more pokes, no clean release): its pre-taken slot runs out, then the follower leads.
    w.t.clock.advance(120_000);
    expect(await follower.poke()).toBe(true);
    expect(await follower.poke()).toBe(true);
    const holders = await Leases(w.t.db).find({ name: 'campaigns' }).sort({ slotStart: 1 }).lean();
    expect(new Set(holders.map((h) => h.slotStart.getTime())).size).toBe(holders.length); // one holder per slot
    await a.stop();
    await b.stop();
  });

  test('when two schedulers tick the same due occurrence at once, then it is queued once per group', async () => {
    const rooms = await w.rooms(5, VILLAGE_C, '并发');
    const town = await staffLogin(w.t, 'town_admin', '370303-Z-ND');
    const c = await w.t.request('POST', '/api/admin/v1/campaigns', {
      token: town.token,
      body: { title: '同时', text: '同时触发', targets: { areaCodes: [VILLAGE_C] }, schedule: { kind: 'once', at: w.t.clock.now().toISOString() } },
    });
    await w.t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: town.token });
    await w.t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/approve`, { token: (await districtApprover()).token });
    const results = await Promise.all([schedulerTick(w.t.app), schedulerTick(w.t.app), schedulerTick(w.t.app)]);
    expect(results.reduce((n, r) => n + r.fired, 0)).toBeGreaterThanOrEqual(1);
    expect(await Outbox(w.t.db).countDocuments({ 'source.campaignId': c.body.id })).toBe(5);
    await w.drain();
    for (const r of rooms) expect(w.said(r.room.id)).toEqual(['同时触发']);
  });

  test('when the scheduler was down, then the occurrence within 2 h fires once and the older one is recorded as skipped', async () => {
    w.t.clock.set('2026-11-27T22:00:00Z'); // 06:00 Shanghai, 28th
    const rooms = await w.rooms(2, VILLAGE_A, '东村定时');
    const id = await approvedCron('0 8 * * *');
    // Down from before 08:00 on the 28th until 09:30 on the 29th.
    w.t.clock.set('2026-11-29T01:30:00Z');
    const first = await schedulerTick(w.t.app);
    expect(first).toEqual({ fired: 1, skipped: 1 });
    expect(await schedulerTick(w.t.app)).toEqual({ fired: 0, skipped: 0 });
    const occ = await Occurrences(w.t.db).find({ campaignId: id }).sort({ scheduledAt: 1 }).lean();
    expect(occ.map((o) => [o.scheduledAt.toISOString(), o.state])).toEqual([
      ['2026-11-28T00:00:00.000Z', 'skipped'],
      ['2026-11-29T00:00:00.000Z', 'fired'],
    ]);
    expect((await Campaigns(w.t.db).findById(id).lean())?.status).toBe('active');
    expect(await Outbox(w.t.db).distinct('source.occurrence', { 'source.campaignId': id })).toEqual(['20261129T0000Z']);
    await w.drain();
    for (const r of rooms) expect(w.said(r.room.id)).toEqual(['提醒 0 8 * * *']);
  });

  test('when a cron campaign reaches its end date, then no later occurrence fires and it is finished', async () => {
    w.t.clock.set('2026-11-29T02:00:30Z');
    const town = await staffLogin(w.t, 'town_admin', TOWN_MS);
    const endAt = new Date(w.t.clock.now().getTime() + 2 * 60_000).toISOString();
    const c = await w.t.request('POST', '/api/admin/v1/campaigns', {
      token: town.token,
      body: { title: '两分钟', text: '每分钟', targets: { areaCodes: [VILLAGE_A] }, schedule: { kind: 'cron', cron: '* * * * *' }, endAt },
    });
    await w.t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: town.token });
    await w.t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/approve`, { token: (await districtApprover()).token });
    w.t.clock.advance(5 * 60_000);
    await schedulerTick(w.t.app);
    expect(await Occurrences(w.t.db).countDocuments({ campaignId: c.body.id, state: 'fired' })).toBe(2);
    expect((await Campaigns(w.t.db).findById(c.body.id).lean())?.status).toBe('finished');
    await w.drain();
  });

  test('when a worker restarts, then its start-up catch-up does not fire an occurrence again', async () => {
    const before = await Outbox(w.t.db).countDocuments();
    const s = await startScheduler(w.t.app, { holder: 'restarted', timers: false });
    await s.stop();
    expect(await Outbox(w.t.db).countDocuments()).toBe(before);
  });

  test('when the daily tips campaign is seeded twice and its time comes, then one tip of the day reaches each group', async () => {
    expect(await seedDailyTipsCampaign(w.t.app)).toEqual({ created: true });
    expect(await seedDailyTipsCampaign(w.t.app)).toEqual({ created: false });
    const c = await Campaigns(w.t.db).findById(DAILY_TIPS_ID).lean();
    expect(c).toMatchObject({ title: '每日健康小贴士', status: 'approved', kind: 'daily_tips' });
    await Campaigns(w.t.db).updateOne({ _id: DAILY_TIPS_ID }, { $set: { approvedAt: new Date('2026-11-29T00:00:00Z') } });
    w.t.clock.set('2026-11-30T00:31:00Z'); // 08:31 Shanghai on the 30th
    const r = await schedulerTick(w.t.app);
    expect(r.fired).toBeGreaterThanOrEqual(1);
    const items = await Outbox(w.t.db)
      .find({ 'source.campaignId': String(DAILY_TIPS_ID) })
      .lean();
    const active = await BotRooms(w.t.db).countDocuments({ active: true });
    expect(items).toHaveLength(active);
    expect(new Set(items.map((i) => i.payload.text))).toEqual(new Set([tipMessage(tipForDay('2026-11-30'))]));
  });
});
