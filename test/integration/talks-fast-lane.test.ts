import { Types } from 'mongoose';
import { fill, fillOnce } from '../../src/modules/talks/queue-walk';
import { queueAfterFill } from '../../src/modules/talks/reminders';
import { tryLock, unlock } from '../../src/modules/talks/talk-lock';
import { RegistrationKeys, Registrations, Seats, TalkLocks, TalkQueues, Talks, type RegistrationDoc } from '../../src/modules/talks/talks.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS } from '../helpers/fixtures';
import { bulkResidents, publishedTalk, type BulkResident } from '../helpers/talks';

jest.setTimeout(60_000);

let t: TestApp;
let staff: string;

beforeAll(async () => {
  t = await startTestApp({ config: { TALKS_FAST_LANE: 'true' } });
  await seedVillages(t);
  staff = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
});
afterAll(() => t.close());

const signUp = (r: BulkResident, talkId: string) => t.request('POST', `/api/v1/talks/${talkId}/registrations`, { token: r.token, body: {} });

describe('the fast lane of a calm session', () => {
  test('when nobody is queued, then a sign-up is confirmed on the highest seat without taking the lease, queued after the last walk', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 5, waitlistEnabled: true });
    const talkId = new Types.ObjectId(talk.id);
    const [r] = await bulkResidents(t, 1);
    const locks = TalkLocks(t.db).collection;
    const insertOne = locks.insertOne.bind(locks);
    let leases = 0;
    locks.insertOne = ((...args: Parameters<typeof insertOne>) => (leases++, insertOne(...args))) as typeof locks.insertOne;
    try {
      const res = await signUp(r!, talk.id);
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('confirmed');
    } finally {
      locks.insertOne = insertOne;
    }
    expect(leases).toBe(0);
    const seats = await Seats(t.db).find({ talkId }).lean();
    expect(seats.map((s) => s.seatNo)).toEqual([5]);
    const reg = (await Registrations(t.db).findById(seats[0]!.registrationId).lean())!;
    expect(reg).toMatchObject({ status: 'confirmed', seats: 1 });
    expect(reg.seq).toBeGreaterThan(0);
    // its reminders are queued as for any confirmed registration, and it is listed as mine
    const mine = await t.request('GET', '/api/v1/me/registrations', { token: r!.token });
    expect(mine.body.items.map((i: { registrationId: string; status: string }) => [i.registrationId, i.status])).toEqual([[String(reg._id), 'confirmed']]);
  });

  test('when a walk plans a seat the fast lane took, then the walk takes the next free one and waitlists whoever no longer fits', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 3, waitlistEnabled: true });
    const talkId = new Types.ObjectId(talk.id);
    const [first, ...rest] = await bulkResidents(t, 4);
    expect((await signUp(first!, talk.id)).body.status).toBe('confirmed'); // the fast lane: seat 3
    // three arrivals admitted by a walk whose queue document does not know seat 3 is taken
    const arrivals: RegistrationDoc[] = rest.map((r) => ({
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
      arrivals.map((a) => ({ _id: `${talk.id}:${String(a.residentId)}`, registrationId: a._id, createdAt: t.clock.now() })),
    );
    const lock = (await tryLock(t.app, talkId))!;
    try {
      const talkDoc = (await Talks(t.db).findById(talkId).lean())!;
      const res = await fillOnce(t.app, talkDoc, { scanArrivals: false, fresh: arrivals });
      expect(res.confirmed.map((r) => String(r._id))).toEqual(arrivals.slice(0, 2).map((a) => String(a._id)));
      expect(res.waitlisted.map((w) => [String(w.reg._id), w.position])).toEqual([[String(arrivals[2]!._id), 1]]);
    } finally {
      await unlock(t.app, talkId, lock);
    }
    const seats = await Seats(t.db).find({ talkId }).sort({ seatNo: 1 }).lean();
    expect(seats.map((s) => [s.seatNo, String(s.registrationId)])).toEqual([
      [1, String(arrivals[0]!._id)],
      [2, String(arrivals[1]!._id)],
      [3, expect.any(String)],
    ]);
    expect(await Registrations(t.db).countDocuments({ talkId, status: 'confirmed' })).toBe(3);
    expect((await TalkQueues(t.db).findById(talk.id).lean())!.taken).toEqual([1, 2, 3]);
  });

  test('when the fast lane filled the session one sign-up at a time, then the next walk recounts the seats once instead of trying them one by one', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 5, waitlistEnabled: true });
    const talkId = new Types.ObjectId(talk.id);
    const residents = await bulkResidents(t, 6);
    for (const r of residents.slice(0, 5)) expect((await signUp(r, talk.id)).body.status).toBe('confirmed');
    expect((await Seats(t.db).find({ talkId }).lean()).map((s) => s.seatNo).sort()).toEqual([1, 2, 3, 4, 5]);
    const late: RegistrationDoc = {
      _id: new Types.ObjectId(),
      talkId,
      residentId: new Types.ObjectId(residents[5]!.id),
      areaPath: [],
      seats: 1,
      status: 'pending',
      seq: 0,
      createdAt: t.clock.now(),
    };
    await RegistrationKeys(t.db).create({ _id: `${talk.id}:${residents[5]!.id}`, registrationId: late._id, createdAt: t.clock.now() });
    const seats = Seats(t.db).collection;
    const insertMany = seats.insertMany.bind(seats);
    let inserts = 0;
    seats.insertMany = ((...args: Parameters<typeof insertMany>) => (inserts++, insertMany(...args))) as typeof seats.insertMany;
    const lock = (await tryLock(t.app, talkId))!;
    try {
      const res = await fillOnce(t.app, (await Talks(t.db).findById(talkId).lean())!, { scanArrivals: false, fresh: [late] });
      expect(res.waitlisted.map((w) => [String(w.reg._id), w.position])).toEqual([[String(late._id), 1]]);
    } finally {
      seats.insertMany = insertMany;
      await unlock(t.app, talkId, lock);
    }
    expect(inserts).toBe(1);
    expect(await Seats(t.db).countDocuments({ talkId })).toBe(5);
  });

  test('when the session is cancelled while a fast-lane sign-up is inserting its registration, then the sign-up gives its seat and key back and is refused', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 5, waitlistEnabled: true });
    const talkId = new Types.ObjectId(talk.id);
    const [r] = await bulkResidents(t, 1);
    const regs = Registrations(t.db).collection;
    const insertOne = regs.insertOne.bind(regs);
    let reached!: () => void;
    let resume!: () => void;
    const atInsert = new Promise<void>((ok) => (reached = ok));
    const resumed = new Promise<void>((ok) => (resume = ok));
    regs.insertOne = (async (...args: Parameters<typeof insertOne>) => {
      reached();
      await resumed;
      return insertOne(...args);
    }) as typeof regs.insertOne;
    let reply: Promise<{ status: number; body: any }>;
    try {
      reply = signUp(r!, talk.id);
      await atInsert; // its seat is taken; its registration is about to be inserted, confirmed
      expect(await Seats(t.db).countDocuments({ talkId })).toBe(1);
      const cancelled = await t.request('POST', `/api/admin/v1/talks/${talk.id}/cancel`, { token: staff, body: { reason: '场地临时检修' } });
      expect(cancelled.status).toBe(200);
    } finally {
      regs.insertOne = insertOne;
      resume();
    }
    const res = await reply;
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('TALK_CANCELLED');
    // nothing live is left on the cancelled session
    expect(await Registrations(t.db).countDocuments({ talkId, status: { $in: ['pending', 'confirmed', 'waitlisted'] } })).toBe(0);
    expect(await Seats(t.db).countDocuments({ talkId })).toBe(0);
    expect(await RegistrationKeys(t.db).countDocuments({ _id: `${talk.id}:${r!.id}` })).toBe(0);
    const mine = await t.request('GET', '/api/v1/me/registrations', { token: r!.token });
    expect(mine.body.items).toEqual([]);
  });

  test('when a walk counts a fast-lane seat that is then given back, then the seat goes to the next sign-up instead of staying free while it waits', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 1, waitlistEnabled: true });
    const talkId = new Types.ObjectId(talk.id);
    const [r] = await bulkResidents(t, 1);
    const regs = Registrations(t.db).collection;
    const queues = TalkQueues(t.db).collection;
    const [insertOne, findOne] = [regs.insertOne.bind(regs), queues.findOne.bind(queues)];
    let [checking, once] = [false, true];
    regs.insertOne = (async (...args: Parameters<typeof insertOne>) => {
      checking = once; // the first fast-lane registration: its queue check comes next
      once = false;
      return insertOne(...args);
    }) as typeof regs.insertOne;
    queues.findOne = (async (...args: Parameters<typeof findOne>) => {
      if (!checking) return findOne(...args);
      checking = false;
      // a staff edit forgot the queue just before the check, so the sign-up will give its seat back; before it
      // does, a walk recounts the seats and counts that one taken
      await queues.deleteOne({ _id: talk.id } as never);
      const seen = await findOne(...args);
      await fill(t.app, talkId, queueAfterFill);
      expect((await findOne({ _id: talk.id } as never))?.taken).toEqual([1]);
      return seen;
    }) as typeof queues.findOne;
    let res: { status: number; body: any };
    try {
      res = await signUp(r!, talk.id);
    } finally {
      Object.assign(regs, { insertOne });
      Object.assign(queues, { findOne });
    }
    // it gave seat 1 back and joined the batch as a new arrival: the walk after the give-back recounted and seated it
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('confirmed');
    const seats = await Seats(t.db).find({ talkId }).lean();
    expect(seats.map((s) => s.seatNo)).toEqual([1]);
    expect(String(seats[0]!.registrationId)).toBe(res.body.registrationId);
    expect(await Registrations(t.db).countDocuments({ talkId, status: 'waitlisted' })).toBe(0);
  });
});
