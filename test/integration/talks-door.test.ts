import { Types } from 'mongoose';
import { issueToken } from '../../src/modules/sessions/sessions.service';
import { WalkIns } from '../../src/modules/talks/talks.model';
import { runWalkInRetention } from '../../src/modules/talks/walkins.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { bulkResidents, publishedTalk } from '../helpers/talks';

// At the door of a session: a village worker at the town's session of their residents, the time marking opens,
// the search, and walk-ins without a phone.
let t: TestApp;
let town: string;
let other: string;
let workerA: string;
let workerB: string;
let workerC: string;
const HOUR = 3600_000;
const START = '2026-11-28T01:00:00Z';

async function longStaff(role: 'town_admin' | 'village_worker', area: string): Promise<string> {
  const { id } = await staffLogin(t, role, area);
  return (await issueToken(t.app, 'staff', new Types.ObjectId(id), 24 * 30)).token;
}

beforeAll(async () => {
  t = await startTestApp({ now: START, config: { ATTENDANCE_OPENS_BEFORE_MIN: '90' } });
  await seedVillages(t);
  town = await longStaff('town_admin', TOWN_MS);
  other = await longStaff('town_admin', TOWN_ND);
  workerA = await longStaff('village_worker', VILLAGE_A);
  workerB = await longStaff('village_worker', VILLAGE_B);
  workerC = await longStaff('village_worker', VILLAGE_C);
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(START));

const get = (token: string, path: string) => t.request('GET', `/api/admin/v1/talks${path}`, { token });
const ids = (body: { items: Array<{ id: string }> }) => body.items.map((i) => i.id);

describe('a village worker at the town’s session', () => {
  test('when residents of their village signed up, then they see it, its list holds only their residents, and they mark them but never manage it', async () => {
    const talk = await publishedTalk(t, town, { capacity: 10 }, 1);
    expect(ids((await get(workerA, '')).body)).not.toContain(talk.id);
    expect((await get(workerA, `/${talk.id}`)).status).toBe(403);

    const [a1, a2] = await bulkResidents(t, 2, { village: VILLAGE_A });
    const [b1] = await bulkResidents(t, 1, { village: VILLAGE_B });
    for (const r of [a1!, a2!, b1!]) expect((await t.request('POST', `/api/v1/talks/${talk.id}/registrations`, { token: r.token, body: {} })).status).toBe(201);

    expect(ids((await get(workerA, '')).body)).toContain(talk.id);
    const one = await get(workerA, `/${talk.id}`);
    expect(one.body).toMatchObject({ id: talk.id, manage: false });
    expect((await get(town, `/${talk.id}`)).body.manage).toBe(true);
    for (const [method, path, body] of [
      ['PATCH', '', { title: '改了' }],
      ['POST', '/close', undefined],
      ['POST', '/cancel', {}],
    ] as const) {
      expect((await t.request(method, `/api/admin/v1/talks/${talk.id}${path}`, { token: workerA, body })).status).toBe(403);
    }
    expect((await get(town, `/${talk.id}`)).body).toMatchObject({ title: talk.body.title, status: 'published' });

    const mine = (await get(workerA, `/${talk.id}/registrations`)).body;
    expect(mine.total).toBe(2);
    const all = (await get(town, `/${talk.id}/registrations`)).body;
    expect(all.total).toBe(3);
    const fromB = all.items.find((i: { village: string }) => i.village === '西村').registrationId;
    const marked = await t.request('POST', `/api/admin/v1/talks/${talk.id}/attendance`, {
      token: workerA,
      body: { registrationIds: [mine.items[0].registrationId, fromB] },
    });
    expect(marked.body).toEqual({ changed: 1, unchanged: 0, invalid: 1 });

    // a walk-in of their own village is theirs to add; one of another village is not
    expect(
      (
        await t.request('POST', `/api/admin/v1/talks/${talk.id}/walk-ins`, {
          token: workerA,
          body: { name: '钱八', phone: '13612345678', villageCode: VILLAGE_B },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await t.request('POST', `/api/admin/v1/talks/${talk.id}/walk-ins`, {
          token: workerA,
          body: { name: '钱八', phone: '13612345678', villageCode: VILLAGE_A },
        })
      ).status,
    ).toBe(201);

    // the other town's admin and its village worker see none of it
    for (const token of [other, workerC]) {
      expect(ids((await get(token, '')).body)).not.toContain(talk.id);
      expect((await get(token, `/${talk.id}`)).status).toBe(403);
      expect((await get(token, `/${talk.id}/registrations`)).status).toBe(403);
      expect((await t.request('POST', `/api/admin/v1/talks/${talk.id}/attendance`, { token, body: { registrationIds: [fromB] } })).status).toBe(403);
    }
    // the worker of the other village sees it too, with their one resident
    expect((await get(workerB, `/${talk.id}/registrations`)).body.total).toBe(1);
  });
});

describe('marking at the door', () => {
  test('when it is earlier than the set time before the start, then marking is refused with the opening time, and works from then on', async () => {
    const talk = await publishedTalk(t, town, { capacity: 5 }, 3);
    const [r] = await bulkResidents(t, 1, { village: VILLAGE_A });
    await t.request('POST', `/api/v1/talks/${talk.id}/registrations`, { token: r!.token, body: {} });
    const reg = (await get(town, `/${talk.id}/registrations`)).body.items[0].registrationId;
    expect((await get(town, `/${talk.id}`)).body.attendanceOpensAt).toBe(new Date(new Date(START).getTime() + 1.5 * HOUR).toISOString());

    const early = await t.request('POST', `/api/admin/v1/talks/${talk.id}/attendance`, { token: town, body: { registrationIds: [reg] } });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'ATTENDANCE_NOT_OPEN', message: expect.stringContaining('活动开始前 90 分钟') });
    const earlyWalkIn = await t.request('POST', `/api/admin/v1/talks/${talk.id}/walk-ins`, { token: town, body: { name: '孙六', phone: '13812345678' } });
    expect(earlyWalkIn.body.error.code).toBe('ATTENDANCE_NOT_OPEN');

    t.clock.advance(1.5 * HOUR);
    expect((await t.request('POST', `/api/admin/v1/talks/${talk.id}/attendance`, { token: town, body: { registrationIds: [reg] } })).body.changed).toBe(1);
  });

  test('when staff search by part of a name or a phone’s last 4 digits, then only the matching people are listed', async () => {
    const talk = await publishedTalk(t, town, { capacity: 20 }, 1);
    const rs = await bulkResidents(t, 12, { village: VILLAGE_A });
    for (const r of rs) await t.request('POST', `/api/v1/talks/${talk.id}/registrations`, { token: r.token, body: {} });
    await t.request('POST', `/api/admin/v1/talks/${talk.id}/walk-ins`, { token: town, body: { name: '赵桂兰', phone: '13912340011' } });

    const byPhone = (await get(town, `/${talk.id}/registrations?q=0011`)).body;
    expect(byPhone.items.map((i: { name: string; phone: string }) => [i.name, i.phone])).toEqual([
      ['居***', '138****0011'],
      ['赵**', '139****0011'],
    ]);
    const byName = (await get(town, `/${talk.id}/registrations?q=${encodeURIComponent('居民1')}&status=confirmed`)).body;
    expect(byName.total).toBe(3); // 居民1, 居民10, 居民11
    expect((await get(town, `/${talk.id}/registrations?q=${encodeURIComponent('没有这人')}`)).body).toMatchObject({ total: 0, items: [] });
  });
});

describe('a walk-in without a phone', () => {
  test('when name, village, sex and birth year are given, then they are accepted (sealed) once; without them the missing field is named', async () => {
    const talk = await publishedTalk(t, town, { capacity: 5 }, 1);
    const post = (body: unknown) => t.request('POST', `/api/admin/v1/talks/${talk.id}/walk-ins`, { token: town, body });
    const full = { name: '李秀英', villageCode: VILLAGE_A, sex: 'female', birthYear: 1948 };
    for (const missing of ['villageCode', 'sex', 'birthYear'] as const) {
      const { [missing]: _left, ...rest } = full;
      const res = await post(rest);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: missing })]);
    }
    const added = await post({ ...full, phone: '' });
    expect(added.status).toBe(201);
    const again = await post(full);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('WALK_IN_EXISTS');
    expect((await post({ ...full, birthYear: 1950 })).status).toBe(201); // a namesake born another year

    const stored = await WalkIns(t.db).findById(added.body.id).lean();
    expect(stored).not.toHaveProperty('phoneEnc');
    expect(JSON.stringify(stored)).not.toContain('1948');
    expect(JSON.parse(t.app.pii.open(stored!.profileEnc!))).toEqual({ sex: 'female', birthYear: 1948 });
    const listed = (await get(town, `/${talk.id}/registrations?status=walk_in`)).body.items;
    expect(listed[0]).toMatchObject({ name: '李**', phone: '', village: '东村', attended: true });

    t.clock.advance((t.app.config.WALKIN_RETENTION_DAYS + 1) * 24 * HOUR);
    await runWalkInRetention(t.app);
    expect(await WalkIns(t.db).findById(added.body.id).lean()).not.toHaveProperty('profileEnc');
  });
});
