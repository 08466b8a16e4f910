import mongoose from 'mongoose';
import { Outbox, OutboxClaims } from '../../src/notify/outbox.model';
import { enqueue } from '../../src/notify/outbox.service';
import { deliverRoomsOnce, type RoomSender } from '../../src/bot/room-channel';
import { LeaderLease } from '../../src/scheduler/lease';
import { schedulerTick } from '../../src/modules/campaigns';
import { staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B } from '../helpers/fixtures';
import { waitFor, World } from './world';

/**
 * Leases keep one holder at a time while holders are alive; these tests stall a holder past its lease so a second
 * one runs beside it, and show that the unique key behind each lease decides what both then try to do.
 */
jest.setTimeout(60_000);
let w: World;
beforeAll(async () => {
  w = await World.create();
});
afterAll(() => w.close());

describe('unique-key backstops under stalled lease holders', () => {
  test('when 20 bots stall mid-send past their claim leases and 4 others reap and deliver at once, then each group gets its message once (the claim key decides)', async () => {
    const rooms = await w.rooms(20, VILLAGE_A, '认领');
    for (const r of rooms)
      await enqueue(w.t.app, { key: `claim-race:${r.doc._id}`, channel: 'room', payload: { roomId: String(r.doc._id), text: '只发一次' } });
    // Each stalled bot claims one item and hangs inside its send, as a process frozen mid-send would.
    const hang: RoomSender = { send: () => new Promise(() => undefined) };
    for (let i = 0; i < 20; i++) void deliverRoomsOnce(w.t.app, { sender: hang, worker: `stalled-${i}`, reap: false });
    await waitFor(async () => (await OutboxClaims(w.t.db).countDocuments({ worker: /^stalled-/ })) === 20, 20_000);

    w.t.clock.advance(121_000); // every claim lease is over
    const rounds = await Promise.all(['b1', 'b2', 'b3', 'b4'].map((worker) => deliverRoomsOnce(w.t.app, { sender: w.bot.sender, worker, reap: true })));
    expect(rounds.reduce((n, r) => n + r.sent, 0)).toBe(20);
    expect(rounds.reduce((n, r) => n + r.skipped, 0)).toBeGreaterThan(0); // the four really raced for the same items
    await waitFor(() => rooms.every((r) => w.said(r.room.id).length >= 1));
    await new Promise((r) => setTimeout(r, 100));
    for (const r of rooms) expect(w.said(r.room.id)).toEqual(['只发一次']);
    expect(await Outbox(w.t.db).countDocuments({ key: /^claim-race:/, status: 'sent', attempts: 2 })).toBe(20);
  });

  test('when the scheduler leader stalls mid-expansion past its lease and a new leader fires the occurrence, then each group still gets it once (the outbox key decides)', async () => {
    const rooms = await w.rooms(10, VILLAGE_B, '接班');
    const town = await staffLogin(w.t, 'town_admin', TOWN_MS);
    const c = await w.t.request('POST', '/api/admin/v1/campaigns', {
      token: town.token,
      body: { title: '接班', text: '接班也只发一次', targets: { areaCodes: [VILLAGE_B] }, schedule: { kind: 'once', at: w.t.clock.now().toISOString() } },
    });
    await w.t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/submit`, { token: town.token });
    const district = await staffLogin(w.t, 'district_admin', '370303');
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${c.body.id}/approve`, { token: district.token })).body.status).toBe('approved');
    const queued = () => Outbox(w.t.db).countDocuments({ 'source.campaignId': c.body.id });

    // Leader A is another process (its own connection); its outbox insert stalls, as a paused process would.
    const aDb = await mongoose.createConnection(process.env.TEST_MONGODB_URI!, { dbName: w.t.db.name, autoIndex: false }).asPromise();
    let stalled!: () => void;
    const atStall = new Promise<void>((r) => (stalled = r));
    let resume!: () => void;
    const resumed = new Promise<void>((r) => (resume = r));
    // The outbox queues its items with one driver insertMany: A stalls inside that call.
    const coll = aDb.model('OutboxItem', Outbox(w.t.db).schema.clone()).collection;
    const insertMany = coll.insertMany.bind(coll);
    coll.insertMany = (async (...args: Parameters<typeof insertMany>) => {
      stalled();
      await resumed;
      return insertMany(...args);
    }) as typeof coll.insertMany;
    const a = { ...w.t.app, db: aDb };
    try {
      const leaseA = new LeaderLease(a, 'campaigns', 'leader-a', 60_000);
      const leaseB = new LeaderLease(w.t.app, 'campaigns', 'leader-b', 60_000);
      expect(await leaseA.check()).toBe(true);
      expect(await leaseB.check()).toBe(false);
      const tickA = schedulerTick(a);
      await atStall; // A recorded the occurrence and is about to queue its items

      w.t.clock.advance(3 * 60_000); // A's slot and the one it took ahead are over
      expect(await leaseB.check()).toBe(true);
      expect(await schedulerTick(w.t.app)).toEqual({ fired: 1, skipped: 0 });
      expect(await queued()).toBe(10);

      resume(); // A wakes up and queues the same items
      await tickA;
      expect(await queued()).toBe(10);
      expect(await leaseA.check()).toBe(false);
    } finally {
      resume();
      await aDb.close();
    }
    await w.drain();
    for (const r of rooms) expect(w.said(r.room.id)).toEqual(['接班也只发一次']);
  });

  test('when five workers check the same scheduler slot at once, then exactly one leads it (the slot key decides)', async () => {
    w.t.clock.advance(10 * 60_000);
    const leases = Array.from({ length: 5 }, (_, i) => new LeaderLease(w.t.app, 'race', `worker-${i}`, 60_000));
    const leads = await Promise.all(leases.map((l) => l.check()));
    expect(leads.filter(Boolean)).toHaveLength(1);
    const winner = leases[leads.indexOf(true)]!;
    expect(await Promise.all(leases.map((l) => l.check()))).toEqual(leases.map((l) => l === winner));
  });
});
