import { Types } from 'mongoose';
import { fill, fillOnce } from '../../src/modules/talks/queue-walk';
import { queueAfterFill } from '../../src/modules/talks/reminders';
import { tryLock, unlock } from '../../src/modules/talks/talk-lock';
import { sweepTalks } from '../../src/modules/talks/talks.tasks';
import { RegistrationKeys, Registrations, Seats, TalkLocks, Talks, type RegistrationDoc } from '../../src/modules/talks/talks.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS } from '../helpers/fixtures';
import { bulkResidents, publishedTalk, type BulkResident } from '../helpers/talks';

jest.setTimeout(120_000);

let t: TestApp;
let staff: string;

beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  staff = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
});
afterAll(() => t.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const signUp = (r: BulkResident, talkId: string) => t.request('POST', `/api/v1/talks/${talkId}/registrations`, { token: r.token, body: {} });

/** A registration left `pending` by a walker that is gone (as the database holds it after a crash). */
async function pendingRegistration(talkId: Types.ObjectId, r: BulkResident): Promise<RegistrationDoc> {
  const reg: RegistrationDoc = {
    _id: new Types.ObjectId(),
    talkId,
    residentId: new Types.ObjectId(r.id),
    areaPath: [],
    seats: 1,
    status: 'pending',
    seq: 0,
    createdAt: t.clock.now(),
  };
  await RegistrationKeys(t.db).create({ _id: `${talkId}:${r.id}`, registrationId: reg._id, createdAt: t.clock.now() });
  await Registrations(t.db).create(reg);
  return reg;
}

/** An arrival walker A admits now: its key is claimed, its registration is inserted by A's walk. */
async function claimedArrival(talkId: Types.ObjectId, r: BulkResident): Promise<RegistrationDoc> {
  const reg: RegistrationDoc = {
    _id: new Types.ObjectId(),
    talkId,
    residentId: new Types.ObjectId(r.id),
    areaPath: [],
    seats: 1,
    status: 'pending',
    seq: 0,
    createdAt: t.clock.now(),
  };
  await RegistrationKeys(t.db).create({ _id: `${talkId}:${r.id}`, registrationId: reg._id, createdAt: t.clock.now() });
  return reg;
}

describe('walkers of one queue', () => {
  test('when the sweep walks the queue while 200 sign-ups wait for the lock, then all 200 are answered, long before their 120 s wait ends', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 50 });
    const residents = await bulkResidents(t, 200);
    // another process holds the talk's lease while the sign-ups arrive
    await TalkLocks(t.db).create({ _id: talk.id, holder: 'another-process', until: new Date(Date.now() + 60_000) });
    const replies = residents.map((r) => signUp(r, talk.id).then((res) => ({ res, at: Date.now() })));
    await sleep(1_500);
    await TalkLocks(t.db).deleteOne({ _id: talk.id });
    const released = Date.now();
    await sweepTalks(t.app);
    const done = await Promise.all(replies);

    expect(done.map((d) => d.res.status).filter((s) => s !== 201)).toEqual([]);
    // before, the waiters the sweep decided were never looked at again and got 503 after 120 s
    expect(Math.max(...done.map((d) => d.at)) - released).toBeLessThan(60_000);
    expect(done.filter((d) => d.res.body.status === 'confirmed')).toHaveLength(50);
    expect(await Seats(t.db).countDocuments({ talkId: new Types.ObjectId(talk.id) })).toBe(50);
  });

  test('when the sweep decides 200 recorded sign-ups whose retries wait in this process, then all 200 retries are answered within 2 s', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 50, waitlistEnabled: true });
    const talkId = new Types.ObjectId(talk.id);
    const residents = await bulkResidents(t, 200);
    // 200 registrations recorded by a walker that died before deciding them; their residents retry (same key)
    const regs = residents.map((r): RegistrationDoc => ({
      _id: new Types.ObjectId(),
      talkId,
      residentId: new Types.ObjectId(r.id),
      areaPath: [],
      seats: 1,
      status: 'pending',
      seq: 0,
      createdAt: t.clock.now(),
    }));
    await RegistrationKeys(t.db).insertMany(
      regs.map((reg, i) => ({ _id: `${talk.id}:${residents[i]!.id}`, registrationId: reg._id, idempotencyKey: `retry-key-${i}`, createdAt: t.clock.now() })),
    );
    await Registrations(t.db).collection.insertMany(regs);
    // another process holds the talk's lease while the retries arrive, so they can only wait
    await TalkLocks(t.db).create({ _id: talk.id, holder: 'another-process', until: new Date(Date.now() + 60_000) });
    const replies = residents.map((r, i) =>
      t
        .request('POST', `/api/v1/talks/${talk.id}/registrations`, { token: r.token, body: {}, headers: { 'idempotency-key': `retry-key-${i}` } })
        .then((res) => ({ res, at: Date.now() })),
    );
    await sleep(1_000);
    await TalkLocks(t.db).deleteOne({ _id: talk.id });
    // the sweep's walk of this talk takes the lease and decides every recorded registration; the retries
    // waiting in this process are answered from that, not 120 s later
    await fill(t.app, talkId, queueAfterFill);
    const walked = Date.now();
    const done = await Promise.all(replies);

    expect(done.map((d) => d.res.status).filter((s) => s !== 201)).toEqual([]);
    expect(Math.max(...done.map((d) => d.at)) - walked).toBeLessThan(2_000);
    expect(done.map((d) => d.res.body.registrationId)).toEqual(regs.map((r) => String(r._id)));
    expect(done.filter((d) => d.res.body.status === 'confirmed')).toHaveLength(50);
    // the waitlist in recorded order: the 51st is first
    expect(done.slice(50).map((d) => d.res.body.position)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(await Seats(t.db).countDocuments({ talkId })).toBe(50);
  });

  test('when a walker stalls past its lease and a second walker seats someone else, then the seat index refuses the stalled walker its seat', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 1, waitlistEnabled: true });
    const talkId = new Types.ObjectId(talk.id);
    const [early, late] = await bulkResidents(t, 2);
    await fill(t.app, talkId, queueAfterFill); // the queue's bookkeeping exists: walker A walks only its own batch
    // `early` was recorded by a walker that died; `late` is admitted by walker A, which walks only its own batch
    const b1 = await pendingRegistration(talkId, early!);
    const a1 = await claimedArrival(talkId, late!);

    // walker A plans seat 1 for a1 and stalls before inserting it
    const seats = Seats(t.db).collection;
    const insertMany = seats.insertMany.bind(seats);
    let reached!: () => void;
    let resume!: () => void;
    const atInsert = new Promise<void>((r) => (reached = r));
    const resumed = new Promise<void>((r) => (resume = r));
    let stalls = 1;
    seats.insertMany = (async (...args: Parameters<typeof insertMany>) => {
      if (stalls-- > 0) {
        reached();
        await resumed;
      }
      return insertMany(...args);
    }) as typeof seats.insertMany;
    try {
      const lockA = await tryLock(t.app, talkId, 200);
      expect(lockA).not.toBeNull();
      const talkDoc = (await Talks(t.db).findById(talkId).lean())!;
      const walkerA = fillOnce(t.app, talkDoc, { scanArrivals: false, fresh: [a1] });
      await atInsert;
      await sleep(300);

      // A's lease has run out: walker B (the sweep) takes the lock over and walks the whole queue
      await fill(t.app, talkId, queueAfterFill);
      expect((await Registrations(t.db).findById(b1._id).lean())!.status).toBe('confirmed');

      // A wakes up and inserts the seat it planned for a1
      resume();
      await walkerA;
      await unlock(t.app, talkId, lockA!);
    } finally {
      seats.insertMany = insertMany;
    }

    const held = await Seats(t.db).find({ talkId }).lean();
    expect(held.map((s) => [s.seatNo, String(s.registrationId)])).toEqual([[1, String(b1._id)]]);
    const confirmed = await Registrations(t.db).find({ talkId, status: 'confirmed' }).lean();
    expect(confirmed.map((r) => String(r._id))).toEqual([String(b1._id)]);
    expect((await Registrations(t.db).findById(a1._id).lean())!.status).toBe('waitlisted');
  });
});
