import { Types } from 'mongoose';
import { RegistrationKeys, Registrations, Seats, TalkLocks } from '../../src/modules/talks/talks.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS } from '../helpers/fixtures';
import { bulkResidents, inWaves, publishedTalk, type BulkResident } from '../helpers/talks';

jest.setTimeout(180_000);

let t: TestApp;
let staff: string;

beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  staff = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
});
afterAll(() => t.close());

const signUp = (r: BulkResident, talkId: string, seats = 1) =>
  t.request('POST', `/api/v1/talks/${talkId}/registrations`, {
    token: r.token,
    body: { seats },
    headers: { 'idempotency-key': `k-${r.id}-${talkId.slice(-6)}` },
  });
const cancel = (r: BulkResident, talkId: string) => t.request('DELETE', `/api/v1/talks/${talkId}/registrations/me`, { token: r.token });

const byQueue = (a: { seq: number; _id: Types.ObjectId }, b: { seq: number; _id: Types.ObjectId }) =>
  a.seq - b.seq || String(a._id).localeCompare(String(b._id));

/** The invariants that must hold whatever the interleaving. */
async function assertInvariants(talkId: string, capacity: number) {
  const id = new Types.ObjectId(talkId);
  const seats = await Seats(t.db).find({ talkId: id }).lean();
  const confirmed = await Registrations(t.db).find({ talkId: id, status: 'confirmed' }).lean();
  const waitlisted = await Registrations(t.db).find({ talkId: id, status: 'waitlisted' }).sort({ seq: 1, _id: 1 }).lean();
  const seatNos = seats.map((s) => s.seatNo);
  expect(new Set(seatNos).size).toBe(seats.length);
  expect(seatNos.every((n) => n >= 1 && n <= capacity)).toBe(true);
  // seatsTaken (counted) equals the seats of confirmed registrations, and each holds exactly what it asked for
  expect(seats.length).toBe(confirmed.reduce((s, r) => s + r.seats, 0));
  const perReg = new Map<string, number>();
  for (const s of seats) perReg.set(String(s.registrationId), (perReg.get(String(s.registrationId)) ?? 0) + 1);
  for (const r of confirmed) expect(perReg.get(String(r._id))).toBe(r.seats);
  expect(perReg.size).toBe(confirmed.length);
  // nobody waits while a seat they fit is free
  if (waitlisted.length) expect(capacity - seats.length).toBeLessThan(waitlisted[0]!.seats);
  // every decided registration has a queue number; every live one holds its key
  expect([...confirmed, ...waitlisted].every((r) => r.seq > 0)).toBe(true);
  expect(await RegistrationKeys(t.db).countDocuments({ registrationId: { $in: [...confirmed, ...waitlisted].map((r) => r._id) } })).toBe(
    confirmed.length + waitlisted.length,
  );
  expect(await Registrations(t.db).countDocuments({ talkId: id, status: 'pending' })).toBe(0);
  expect(await TalkLocks(t.db).countDocuments({ _id: talkId })).toBe(0);
  return { seats: seats.length, confirmed, waitlisted };
}

describe('sign-up storm', () => {
  test('when 500 residents sign up at once for 50 seats, then exactly 50 are confirmed and 450 waitlisted in arrival order', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 50 });
    const residents = await bulkResidents(t, 500);
    // 500 requests in flight at once against one app process and FerretDB
    const results = await Promise.all(residents.map((r) => signUp(r, talk.id)));
    expect(results.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
    expect(results.filter((r) => r.body.status === 'confirmed')).toHaveLength(50);
    expect(results.filter((r) => r.body.status === 'waitlisted')).toHaveLength(450);

    const { seats, confirmed, waitlisted } = await assertInvariants(talk.id, 50);
    expect(seats).toBe(50);
    expect(confirmed).toHaveLength(50);
    expect(waitlisted).toHaveLength(450);
    // arrival order, i.e. queue order (walk number, then _id): every confirmed one was queued before every waitlisted one
    const lastConfirmed = [...confirmed].sort(byQueue).pop()!;
    expect(byQueue(lastConfirmed, waitlisted[0]!)).toBeLessThan(0);
    // and each reply's position was its place at that moment: positions replied are exactly 1..450
    expect(
      results
        .filter((r) => r.body.status === 'waitlisted')
        .map((r) => r.body.position)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
    // positions read now are 1..450 in queue order
    const sample = [waitlisted[0]!, waitlisted[224]!, waitlisted[449]!];
    for (const [i, w] of sample.entries()) {
      const r = residents.find((x) => x.id === String(w.residentId))!;
      const mine = await t.request('GET', '/api/v1/me/registrations', { token: r.token });
      expect(mine.body.items[0]).toMatchObject({ status: 'waitlisted', position: [1, 225, 450][i] });
    }
    const detail = await t.request('GET', `/api/v1/talks/${talk.id}`, { token: residents[0]!.token });
    expect(detail.body).toMatchObject({ seatsTaken: 50, seatsLeft: 0 });

    // promotion in queue order: ten confirmed cancel at once → exactly the first ten waiting are seated
    const leaving = confirmed.slice(0, 10).map((c) => residents.find((x) => x.id === String(c.residentId))!);
    const cancels = await Promise.all(leaving.map((r) => cancel(r, talk.id)));
    expect(cancels.map((c) => c.status)).toEqual(Array(10).fill(200));
    const after = await assertInvariants(talk.id, 50);
    expect(after.seats).toBe(50);
    const promoted = await Registrations(t.db)
      .find({ talkId: new Types.ObjectId(talk.id), promotedAt: { $exists: true } })
      .lean();
    expect(promoted.map((p) => String(p._id)).sort()).toEqual(
      waitlisted
        .slice(0, 10)
        .map((w) => String(w._id))
        .sort(),
    );
    expect(after.waitlisted.map((w) => String(w._id))).toEqual(waitlisted.slice(10).map((w) => String(w._id)));
  });

  test('when 100 cancellations and sign-ups race (with companions), then seats taken always equal the confirmed seats', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 40, maxSeatsPerRegistration: 3 });
    const first = await bulkResidents(t, 60);
    const second = await bulkResidents(t, 50);
    const seatsOf = (i: number) => 1 + (i % 3);
    await inWaves(first, 60, (r, i) => signUp(r, talk.id, seatsOf(i)));
    await assertInvariants(talk.id, 40);
    // 50 of the first wave cancel while 50 newcomers sign up, all at once
    const ops = [...first.slice(0, 50).map((r) => () => cancel(r, talk.id)), ...second.map((r, i) => () => signUp(r, talk.id, seatsOf(i + 1)))].sort(
      () => Math.random() - 0.5,
    );
    const results = await Promise.all(ops.map((op) => op()));
    expect(results.map((r) => r.status).filter((s) => ![200, 201].includes(s))).toEqual([]);
    const { seats, confirmed, waitlisted } = await assertInvariants(talk.id, 40);
    expect(seats).toBe(confirmed.reduce((s, r) => s + r.seats, 0));
    expect(confirmed.length + waitlisted.length).toBe(60);
    const shown = await t.request('GET', `/api/v1/talks/${talk.id}`, { token: second[0]!.token });
    expect(shown.body.seatsTaken).toBe(seats);
  });

  test('when the same sign-up is retried concurrently with one Idempotency-Key, then one registration exists and every completed reply is the first result', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 5 });
    const [r] = await bulkResidents(t, 1);
    const replies = await Promise.all(Array.from({ length: 8 }, () => signUp(r!, talk.id)));
    const done = replies.filter((x) => x.status === 201);
    expect(done.length).toBeGreaterThanOrEqual(1);
    for (const d of done) expect(d.body).toEqual(done[0]!.body);
    for (const x of replies.filter((y) => y.status !== 201)) expect(x.body.error.code).toBe('REQUEST_IN_PROGRESS');
    const again = await signUp(r!, talk.id);
    expect(again.body).toEqual(done[0]!.body);
    expect(await Registrations(t.db).countDocuments({ talkId: new Types.ObjectId(talk.id) })).toBe(1);
  });
});
