import { Types } from 'mongoose';
import { RegistrationKeys, Registrations, Seats } from '../../src/modules/talks/talks.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_C } from '../helpers/fixtures';
import { bulkResidents, publishedTalk } from '../helpers/talks';

let t: TestApp;
let townMs: string;
let townNd: string;
const HOUR = 3600_000;

beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  townMs = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
  townNd = (await staffLogin(t, 'town_admin', TOWN_ND)).token;
});
afterAll(() => t.close());

const signUp = (token: string, id: string, body: unknown = {}, key?: string) =>
  t.request('POST', `/api/v1/talks/${id}/registrations`, { token, body, headers: key ? { 'idempotency-key': key } : {} });

describe('sessions (staff)', () => {
  test('when a town admin creates a session in another town, then it is refused with 403', async () => {
    const res = await t.request('POST', '/api/admin/v1/talks', {
      token: townNd,
      body: {
        kind: 'lecture',
        title: '讲座',
        venue: '会议室',
        areaCode: TOWN_MS,
        startAt: '2026-12-05T01:00:00Z',
        endAt: '2026-12-05T03:00:00Z',
        capacity: 10,
      },
    });
    expect(res.status).toBe(403);
  });

  test('when the end is before the start, then the session is refused with a field message', async () => {
    const res = await t.request('POST', '/api/admin/v1/talks', {
      token: townMs,
      body: {
        kind: 'lecture',
        title: '讲座',
        venue: '会议室',
        areaCode: TOWN_MS,
        startAt: '2026-12-05T03:00:00Z',
        endAt: '2026-12-05T01:00:00Z',
        capacity: 10,
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toEqual({ path: 'endAt', message: '结束时间应晚于开始时间' });
  });

  test('when a session is a draft, then residents neither list nor open it', async () => {
    const created = await t.request('POST', '/api/admin/v1/talks', {
      token: townMs,
      body: {
        kind: 'other',
        title: '草稿活动',
        venue: '会议室',
        areaCode: TOWN_MS,
        startAt: '2026-12-05T01:00:00Z',
        endAt: '2026-12-05T03:00:00Z',
        capacity: 10,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.checkinScene).toMatch(/^t=[0-9a-f]{24}\.[A-Za-z0-9]{5}$/);
    expect(created.body.checkinScene.length).toBeLessThanOrEqual(32);
    const r = await residentLogin(t, undefined, { village: VILLAGE_A });
    expect((await t.request('GET', `/api/v1/talks/${created.body.id}`, { token: r.token })).status).toBe(404);
    const list = await t.request('GET', '/api/v1/talks', { token: r.token });
    expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(created.body.id);
  });

  test('when another town admin reads a session, then it is out of scope', async () => {
    const talk = await publishedTalk(t, townMs);
    expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}`, { token: townNd })).status).toBe(403);
    expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations`, { token: townNd })).status).toBe(403);
    const list = await t.request('GET', '/api/admin/v1/talks', { token: townNd });
    expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(talk.id);
  });
});

describe('API document', () => {
  test('when the OpenAPI document is read, then the talk routes are described from their zod schemas', async () => {
    const doc = await t.request('GET', '/api/openapi.json');
    expect(doc.status).toBe(200);
    const signUp = doc.body.paths['/api/v1/talks/{id}/registrations'].post;
    expect(signUp.requestBody.content['application/json'].schema).toBeDefined();
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/talks', '/api/v1/me/subscriptions', '/api/admin/v1/talks/{id}/export', '/api/admin/v1/talks/{id}/checkin-code']),
    );
  });
});

describe('listing', () => {
  test('when filtering by kind and area, then only matching upcoming sessions come back, soonest first, paginated', async () => {
    const r = await residentLogin(t, undefined, { village: VILLAGE_A });
    const a = await publishedTalk(t, townMs, { kind: 'screening', title: '两癌筛查A' }, 30);
    const b = await publishedTalk(t, townMs, { kind: 'screening', title: '两癌筛查B' }, 20);
    await publishedTalk(t, townNd, { kind: 'screening', areaCode: TOWN_ND, title: '南定筛查' }, 25);
    const page1 = await t.request('GET', `/api/v1/talks?kind=screening&areaCode=${TOWN_MS}&limit=1`, { token: r.token });
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((x: { id: string }) => x.id)).toEqual([b.id]);
    const page2 = await t.request('GET', `/api/v1/talks?kind=screening&areaCode=${TOWN_MS}&limit=1&cursor=${page1.body.nextCursor}`, { token: r.token });
    expect(page2.body.items.map((x: { id: string }) => x.id)).toEqual([a.id]);
    expect(page2.body.nextCursor).toBeNull();
    expect(page2.body.items[0]).toMatchObject({ kind: 'screening', capacity: 10, seatsTaken: 0, seatsLeft: 10 });
  });
});

describe('sign-up', () => {
  test('when seats are free, then the resident is confirmed, seats left drop, and a second sign-up is refused', async () => {
    const talk = await publishedTalk(t, townMs, { capacity: 3, maxSeatsPerRegistration: 2 });
    const r = await residentLogin(t, undefined, { village: VILLAGE_A });
    const res = await signUp(r.token, talk.id, { seats: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ registrationId: expect.any(String), status: 'confirmed', seats: 2 });
    const detail = await t.request('GET', `/api/v1/talks/${talk.id}`, { token: r.token });
    expect(detail.body).toMatchObject({ seatsTaken: 2, seatsLeft: 1, myRegistration: { status: 'confirmed', seats: 2, position: null } });
    const again = await signUp(r.token, talk.id);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_REGISTERED');
  });

  test('when more seats are asked than allowed, then TOO_MANY_SEATS', async () => {
    const talk = await publishedTalk(t, townMs, { maxSeatsPerRegistration: 1 });
    const r = await residentLogin(t, undefined, { village: VILLAGE_A });
    const res = await signUp(r.token, talk.id, { seats: 2 });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'TOO_MANY_SEATS', message: '本场活动每人只能报名 1 个名额' });
  });

  test('when the session is full, then the next is waitlisted with a position; without a waitlist, TALK_FULL', async () => {
    const talk = await publishedTalk(t, townMs, { capacity: 1 });
    const [a, b, c] = await bulkResidents(t, 3);
    expect((await signUp(a!.token, talk.id)).body.status).toBe('confirmed');
    expect((await signUp(b!.token, talk.id)).body).toMatchObject({ status: 'waitlisted', position: 1 });
    expect((await signUp(c!.token, talk.id)).body).toMatchObject({ status: 'waitlisted', position: 2 });

    const closed = await publishedTalk(t, townMs, { capacity: 1, waitlistEnabled: false });
    await signUp(a!.token, closed.id);
    const full = await signUp(b!.token, closed.id);
    expect(full.status).toBe(409);
    expect(full.body.error).toEqual({ code: 'TALK_FULL', message: '名额已满' });
    // a rejected sign-up frees its key: trying again later is allowed (and refused again while full)
    expect(await RegistrationKeys(t.db).countDocuments({ _id: `${closed.id}:${b!.id}` })).toBe(0);
  });

  test('when the waitlist cap is reached, then WAITLIST_FULL', async () => {
    const talk = await publishedTalk(t, townMs, { capacity: 1, waitlistCap: 1 });
    const [a, b, c] = await bulkResidents(t, 3);
    await signUp(a!.token, talk.id);
    expect((await signUp(b!.token, talk.id)).body.status).toBe('waitlisted');
    const res = await signUp(c!.token, talk.id);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('WAITLIST_FULL');
  });

  test('when the same Idempotency-Key is retried, then the first result comes back and one registration exists', async () => {
    const talk = await publishedTalk(t, townMs, { capacity: 1 });
    const [a, b] = await bulkResidents(t, 2);
    await signUp(a!.token, talk.id);
    const first = await signUp(b!.token, talk.id, {}, 'retry-key-0001');
    const retry = await signUp(b!.token, talk.id, {}, 'retry-key-0001');
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await Registrations(t.db).countDocuments({ talkId: new Types.ObjectId(talk.id), residentId: new Types.ObjectId(b!.id) })).toBe(1);
    // a new key is a new attempt: now a duplicate
    expect((await signUp(b!.token, talk.id, {}, 'retry-key-0002')).body.error.code).toBe('ALREADY_REGISTERED');
  });

  test('when eligibility is for women aged 35–64, then men, younger women and incomplete profiles are refused', async () => {
    const talk = await publishedTalk(t, townMs, { kind: 'screening', eligibility: { sex: 'female', minAge: 35, maxAge: 64 } });
    const [man] = await bulkResidents(t, 1, { sex: 'male', birthYear: 1980 });
    const [young] = await bulkResidents(t, 1, { sex: 'female', birthYear: 2000 });
    const [ok] = await bulkResidents(t, 1, { sex: 'female', birthYear: 1970 });
    const [unknown] = await bulkResidents(t, 1);
    expect((await signUp(man!.token, talk.id)).body.error).toEqual({ code: 'NOT_ELIGIBLE', message: '本场活动仅限女性参加', details: { rule: 'sex' } });
    expect((await signUp(young!.token, talk.id)).body.error).toMatchObject({ code: 'NOT_ELIGIBLE', message: '本场活动仅限 35–64 岁的居民参加' });
    expect((await signUp(unknown!.token, talk.id)).body.error.code).toBe('PROFILE_INCOMPLETE');
    expect((await signUp(ok!.token, talk.id)).body.status).toBe('confirmed');
  });

  test('when the resident has not consented, then CONSENT_REQUIRED', async () => {
    const talk = await publishedTalk(t, townMs);
    const r = await residentLogin(t);
    expect((await signUp(r.token, talk.id)).body.error.code).toBe('CONSENT_REQUIRED');
  });

  test('when sign-up has not opened or has closed, then SIGNUP_NOT_OPEN / SIGNUP_ENDED', async () => {
    const now = t.clock.now().getTime();
    const talk = await publishedTalk(t, townMs, { signupOpensAt: new Date(now + HOUR).toISOString(), signupClosesAt: new Date(now + 2 * HOUR).toISOString() });
    const [r] = await bulkResidents(t, 1);
    expect((await signUp(r!.token, talk.id)).body.error.code).toBe('SIGNUP_NOT_OPEN');
    t.clock.advance(3 * HOUR);
    try {
      expect((await signUp(r!.token, talk.id)).body.error.code).toBe('SIGNUP_ENDED');
    } finally {
      t.clock.advance(-3 * HOUR);
    }
  });

  test('when the session is local-only, then a resident of another town gets AREA_MISMATCH', async () => {
    const talk = await publishedTalk(t, townMs, { localOnly: true });
    const [far] = await bulkResidents(t, 1, { village: VILLAGE_C });
    const [near] = await bulkResidents(t, 1, { village: VILLAGE_A });
    expect((await signUp(far!.token, talk.id)).body.error.code).toBe('AREA_MISMATCH');
    expect((await signUp(near!.token, talk.id)).body.status).toBe('confirmed');
  });

  test('when staff closed or cancelled the session, then sign-up gets TALK_CLOSED / TALK_CANCELLED', async () => {
    const a = await publishedTalk(t, townMs);
    const b = await publishedTalk(t, townMs);
    expect((await t.request('POST', `/api/admin/v1/talks/${a.id}/close`, { token: townMs })).status).toBe(200);
    expect((await t.request('POST', `/api/admin/v1/talks/${b.id}/cancel`, { token: townMs, body: { reason: '专家临时有事' } })).status).toBe(200);
    const [r] = await bulkResidents(t, 1);
    expect((await signUp(r!.token, a.id)).body.error.code).toBe('TALK_CLOSED');
    expect((await signUp(r!.token, b.id)).body.error.code).toBe('TALK_CANCELLED');
  });
});

describe('cancellation and promotion', () => {
  test('when a confirmed resident cancels, then the first waitlisted is promoted and the others move up', async () => {
    const talk = await publishedTalk(t, townMs, { capacity: 1 });
    const [a, b, c] = await bulkResidents(t, 3);
    await signUp(a!.token, talk.id);
    await signUp(b!.token, talk.id);
    await signUp(c!.token, talk.id);
    const del = await t.request('DELETE', `/api/v1/talks/${talk.id}/registrations/me`, { token: a!.token });
    expect(del.status).toBe(200);
    expect(del.body.status).toBe('cancelled');
    const mineB = await t.request('GET', '/api/v1/me/registrations', { token: b!.token });
    expect(mineB.body.items[0]).toMatchObject({ status: 'confirmed', position: null, talk: { id: talk.id } });
    const mineC = await t.request('GET', '/api/v1/me/registrations', { token: c!.token });
    expect(mineC.body.items[0]).toMatchObject({ status: 'waitlisted', position: 1 });
    expect(await Seats(t.db).countDocuments({ talkId: new Types.ObjectId(talk.id) })).toBe(1);
    // the key was deleted: a resident who cancelled may sign up again (and queues behind c)
    expect((await signUp(a!.token, talk.id)).body).toMatchObject({ status: 'waitlisted', position: 2 });
  });

  test('when the waitlist head needs two seats and one is free, then nobody behind is let past', async () => {
    const talk = await publishedTalk(t, townMs, { capacity: 2, maxSeatsPerRegistration: 2 });
    const [a, b, c, d] = await bulkResidents(t, 4);
    await signUp(a!.token, talk.id);
    await signUp(b!.token, talk.id);
    expect((await signUp(c!.token, talk.id, { seats: 2 })).body.status).toBe('waitlisted');
    expect((await signUp(d!.token, talk.id)).body).toMatchObject({ status: 'waitlisted', position: 2 });
    await t.request('DELETE', `/api/v1/talks/${talk.id}/registrations/me`, { token: a!.token });
    const detail = await t.request('GET', `/api/v1/talks/${talk.id}`, { token: d!.token });
    expect(detail.body).toMatchObject({ seatsLeft: 1, myRegistration: { status: 'waitlisted', position: 2 } });
    await t.request('DELETE', `/api/v1/talks/${talk.id}/registrations/me`, { token: b!.token });
    const c2 = await t.request('GET', `/api/v1/talks/${talk.id}`, { token: c!.token });
    expect(c2.body).toMatchObject({ seatsLeft: 0, myRegistration: { status: 'confirmed', seats: 2 } });
  });

  test('when the cut-off has passed, then CANCEL_CUTOFF_PASSED; not registered → NOT_REGISTERED', async () => {
    const talk = await publishedTalk(t, townMs, {}, 1.5);
    const [a, b] = await bulkResidents(t, 2);
    await signUp(a!.token, talk.id);
    const res = await t.request('DELETE', `/api/v1/talks/${talk.id}/registrations/me`, { token: a!.token });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CANCEL_CUTOFF_PASSED');
    expect((await t.request('DELETE', `/api/v1/talks/${talk.id}/registrations/me`, { token: b!.token })).body.error.code).toBe('NOT_REGISTERED');
  });

  test('when capacity is raised after publishing, then the waitlist is promoted; lowering is refused', async () => {
    const talk = await publishedTalk(t, townMs, { capacity: 1 });
    const [a, b] = await bulkResidents(t, 2);
    await signUp(a!.token, talk.id);
    await signUp(b!.token, talk.id);
    expect((await t.request('PATCH', `/api/admin/v1/talks/${talk.id}`, { token: townMs, body: { capacity: 0 } })).status).toBe(400);
    const up = await t.request('PATCH', `/api/admin/v1/talks/${talk.id}`, { token: townMs, body: { capacity: 2 } });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ capacity: 2, seatsTaken: 2 });
    const down = await t.request('PATCH', `/api/admin/v1/talks/${talk.id}`, { token: townMs, body: { capacity: 1 } });
    expect(down.body.error.code).toBe('CAPACITY_DECREASE');
  });

  test('when staff cancel the session, then every registration is cancelled and all seats are freed', async () => {
    const talk = await publishedTalk(t, townMs, { capacity: 1 });
    const [a, b] = await bulkResidents(t, 2);
    await signUp(a!.token, talk.id);
    await signUp(b!.token, talk.id);
    const res = await t.request('POST', `/api/admin/v1/talks/${talk.id}/cancel`, { token: townMs, body: { reason: '天气原因' } });
    expect(res.body.status).toBe('cancelled');
    expect(await Seats(t.db).countDocuments({ talkId: new Types.ObjectId(talk.id) })).toBe(0);
    const regs = await Registrations(t.db)
      .find({ talkId: new Types.ObjectId(talk.id) })
      .lean();
    expect(regs.map((r) => [r.status, r.cancelledBy])).toEqual([
      ['cancelled', 'session'],
      ['cancelled', 'session'],
    ]);
  });
});
