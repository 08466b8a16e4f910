import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { issueToken } from '../../src/modules/sessions/sessions.service';
import { WalkIns } from '../../src/modules/talks/talks.model';
import { runWalkInRetention } from '../../src/modules/talks/walkins.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { bulkResidents, publishedTalk, type BulkResident } from '../helpers/talks';

// Walk-ins (people who came without signing up), the paged roster and the organiser's audited call list.
let t: TestApp;
let town: string;
let townId: string;
let district: string;
let other: string;
let otherVillageWorker: string;
const HOUR = 3600_000;
const START = '2026-11-28T02:00:00Z';

beforeAll(async () => {
  t = await startTestApp({ now: START });
  await seedVillages(t);
  ({ token: town, id: townId } = await longStaff('town_admin', TOWN_MS));
  ({ token: district } = await longStaff('district_admin', '370303'));
  ({ token: other } = await longStaff('town_admin', TOWN_ND));
  ({ token: otherVillageWorker } = await longStaff('village_worker', VILLAGE_B));
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(START));

/** Staff whose session outlives the clock moves of these tests (the login route caps it at 12 h). */
async function longStaff(role: 'town_admin' | 'district_admin' | 'village_worker', area: string): Promise<{ token: string; id: string }> {
  const { id } = await staffLogin(t, role, area);
  return { token: (await issueToken(t.app, 'staff', new Types.ObjectId(id), 24 * 30)).token, id };
}

const signUp = (r: BulkResident, id: string) => t.request('POST', `/api/v1/talks/${id}/registrations`, { token: r.token, body: {} });
const walkIn = (token: string, id: string, body: unknown) => t.request('POST', `/api/admin/v1/talks/${id}/walk-ins`, { token, body });
/** A session starting in half an hour: the door is open for marking attendance. */
const doorTalk = (overrides: Record<string, unknown> = {}) => publishedTalk(t, town, overrides, 0.5);
const walkInCount = (id: string) => WalkIns(t.db).countDocuments({ talkId: new Types.ObjectId(id) });

describe('walk-ins', () => {
  test('when staff add a walk-in, then it is sealed, listed masked, counted as attended (never as a no-show) and exported', async () => {
    const talk = await doorTalk({ capacity: 5 });
    const rs = await bulkResidents(t, 3);
    for (const r of rs) await signUp(r, talk.id);

    const added = await walkIn(town, talk.id, { name: '赵桂兰', phone: '13912345678', villageCode: VILLAGE_B });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ id: expect.any(String), checkedInAt: START.replace('Z', '.000Z') });
    const stored = await WalkIns(t.db).findById(added.body.id).lean();
    expect(JSON.stringify(stored)).not.toContain('13912345678');
    expect(JSON.stringify(stored)).not.toContain('赵桂兰');
    expect(t.app.pii.open(stored!.phoneEnc!)).toBe('13912345678');
    expect(stored!.areaPath).toEqual(['370303', TOWN_MS, VILLAGE_B]);
    const audits = await AuditLog(t.db).find({ action: 'talk.walk_in.add', targetId: talk.id }).lean();
    expect(audits).toHaveLength(1);
    expect(audits[0]!.actorId).toBe(townId);

    const list = await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations`, { token: town });
    expect(list.body.total).toBe(4);
    expect(list.body.items[3]).toMatchObject({
      registrationId: added.body.id,
      name: '赵**',
      phone: '139****5678',
      village: '西村',
      status: 'walk_in',
      attended: true,
    });
    const onlyWalkIns = await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations?status=walk_in`, { token: town });
    expect(onlyWalkIns.body.items.map((i: { status: string }) => i.status)).toEqual(['walk_in']);

    // One registrant marked present; after the start: 2 attended (1 + the walk-in), 2 no-shows (of 3 confirmed).
    await t.request('POST', `/api/admin/v1/talks/${talk.id}/attendance`, { token: town, body: { registrationIds: [list.body.items[0].registrationId] } });
    t.clock.set(new Date(new Date(talk.body.startAt).getTime() + HOUR));
    const figures = await t.request('GET', `/api/admin/v1/talks/${talk.id}/figures`, { token: town });
    expect(figures.body).toMatchObject({ confirmedRegistrations: 3, attended: 2, walkIns: 1, noShow: 2 });
    expect(figures.body.byArea).toEqual([
      { areaCode: VILLAGE_A, confirmed: 3, attended: 1, walkIns: 0, noShow: 2 },
      { areaCode: VILLAGE_B, confirmed: 0, attended: 1, walkIns: 1, noShow: 0 },
    ]);
    const area = await t.request('GET', `/api/admin/v1/talk-figures?areaCode=${TOWN_MS}`, { token: town });
    expect(area.body.sessions.find((s: { talkId: string }) => s.talkId === talk.id)).toMatchObject({ attended: 2, noShow: 2 });
    const yearly = await t.request('GET', `/api/admin/v1/reports/yearly?year=2026&area=${TOWN_MS}&format=json`, { token: town });
    expect(yearly.status).toBe(200);
    expect(yearly.body.areas.find((a: { code: string }) => a.code === TOWN_MS).talks).toMatchObject({ held: 1, signUps: 3, attended: 2, noShow: 2 });

    const res = await fetch(`${t.url}/api/admin/v1/talks/${talk.id}/export?format=xlsx`, { headers: { authorization: `Bearer ${town}` } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(6);
    expect((ws.getRow(6).values as unknown[]).slice(1)).toEqual([
      4,
      '赵**',
      '139****5678',
      '西村',
      1,
      '现场登记',
      '',
      '是',
      '2026-11-28 10:00',
      '2026-11-28 10:00',
    ]);
  });

  test('when the input is bad, the person is already there or the session is not open, then a clear 4xx names the field and nothing is stored', async () => {
    const talk = await doorTalk();
    const cases: Array<[unknown, number, string | null]> = [
      [{ name: '王五', phone: '12345' }, 400, 'phone'],
      [{ name: '', phone: '13912345678' }, 400, 'name'],
      [{ phone: '13912345678' }, 400, 'name'],
      [{ name: '王五', phone: '13912345678', villageCode: '370303-nowhere' }, 400, 'villageCode'],
      [{ name: '王五', phone: '13912345678', village: VILLAGE_A }, 400, null],
    ];
    for (const [body, status, field] of cases) {
      const res = await walkIn(town, talk.id, body);
      expect(res.status).toBe(status);
      if (field) expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
    }
    expect(await walkInCount(talk.id)).toBe(0);

    expect((await walkIn(town, talk.id, { name: '王五', phone: '13912345678' })).status).toBe(201);
    const twice = await walkIn(town, talk.id, { name: '王五', phone: ' 13912345678 ' });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'WALK_IN_EXISTS', details: [{ path: 'phone', message: '这个手机号已经登记过到场' }] });
    expect(await walkInCount(talk.id)).toBe(1);

    const draft = await t.request('POST', '/api/admin/v1/talks', { token: town, body: pick(talk.body) });
    expect(draft.status).toBe(201);
    expect((await walkIn(town, draft.body.id, { name: '王五', phone: '13912345678' })).body.error.code).toBe('TALK_NOT_PUBLISHED');
    expect(await walkInCount(draft.body.id)).toBe(0);
  });

  test('when staff of another town, or a village worker none of whose residents signed up, try, then 403 and nothing is stored or audited', async () => {
    const talk = await doorTalk();
    const [r] = await bulkResidents(t, 1, { village: VILLAGE_A });
    await signUp(r!, talk.id);
    const before = await AuditLog(t.db).countDocuments({ targetId: talk.id });
    for (const token of [other, otherVillageWorker]) {
      expect((await walkIn(token, talk.id, { name: '王五', phone: '13912345678' })).status).toBe(403);
      expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}/call-list`, { token })).status).toBe(403);
      expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations`, { token })).status).toBe(403);
    }
    expect(await walkInCount(talk.id)).toBe(0);
    expect(await AuditLog(t.db).countDocuments({ targetId: talk.id })).toBe(before);
  });

  test('when a walk-in was entered by mistake, then staff remove it and it no longer counts', async () => {
    const talk = await doorTalk();
    const added = await walkIn(town, talk.id, { name: '王五', phone: '13912345678' });
    expect((await t.request('DELETE', `/api/admin/v1/talks/${talk.id}/walk-ins/${added.body.id}`, { token: other })).status).toBe(403);
    const removed = await t.request('DELETE', `/api/admin/v1/talks/${talk.id}/walk-ins/${added.body.id}`, { token: town });
    expect(removed.body).toEqual({ walkInId: added.body.id, removed: true });
    expect((await t.request('DELETE', `/api/admin/v1/talks/${talk.id}/walk-ins/${added.body.id}`, { token: town })).status).toBe(404);
    expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}/figures`, { token: town })).body).toMatchObject({ attended: 0, walkIns: 0 });
    // Added again after removal: the phone is free again.
    expect((await walkIn(town, talk.id, { name: '王五', phone: '13912345678' })).status).toBe(201);
  });

  test('when the retention period has passed, then the walk-in loses name and phone, still counts, and a second run changes nothing', async () => {
    const talk = await doorTalk({ capacity: 5 });
    const kept = await walkIn(town, talk.id, { name: '孙六', phone: '13812345678', villageCode: VILLAGE_A });
    t.clock.advance(2 * HOUR);
    const late = await walkIn(town, talk.id, { name: '周七', phone: '13712345678' });
    const byTalk = () => WalkIns(t.db).countDocuments({ talkId: new Types.ObjectId(talk.id), erasedAt: { $exists: true } });
    // an hour short of the period for the first, more for the second: nothing yet
    t.clock.set(new Date(new Date(START).getTime() + (t.app.config.WALKIN_RETENTION_DAYS * 24 - 1) * HOUR));
    await runWalkInRetention(t.app);
    expect(await byTalk()).toBe(0);
    const { token: now } = await longStaff('town_admin', TOWN_MS); // months went by: a new staff session
    const figuresBefore = (await t.request('GET', `/api/admin/v1/talks/${talk.id}/figures`, { token: now })).body;
    expect(figuresBefore).toMatchObject({ attended: 2, walkIns: 2 });
    t.clock.advance(2 * HOUR);
    expect((await runWalkInRetention(t.app)).erased).toBeGreaterThanOrEqual(1); // with other tests' older walk-ins
    expect(await byTalk()).toBe(1);
    const [first, second] = await Promise.all([WalkIns(t.db).findById(kept.body.id).lean(), WalkIns(t.db).findById(late.body.id).lean()]);
    expect(first).not.toHaveProperty('nameEnc');
    expect(first).not.toHaveProperty('phoneEnc');
    expect(first!.phoneIndex).toBe(`erased:${kept.body.id}`);
    expect(first).toMatchObject({ villageCode: VILLAGE_A, erasedAt: t.clock.now() });
    expect(t.app.pii.open(second!.nameEnc!)).toBe('周七');
    // the roster keeps the line without the person; the figures are as they were
    const list = await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations?status=walk_in`, { token: now });
    expect(list.body.items.map((i: { name: string; phone: string }) => [i.name, i.phone])).toEqual([
      ['', ''],
      ['周*', '137****5678'],
    ]);
    expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}/figures`, { token: now })).body).toEqual(figuresBefore);
    t.clock.advance(3 * HOUR);
    expect((await runWalkInRetention(t.app)).erased).toBeGreaterThanOrEqual(1);
    expect(await byTalk()).toBe(2);
    expect(await runWalkInRetention(t.app)).toEqual({ erased: 0 });
  });
});

/** The fields a new draft needs, from a published session's view. */
function pick(b: Record<string, unknown>) {
  return { kind: b.kind, title: b.title, venue: b.venue, areaCode: b.areaCode, startAt: b.startAt, endAt: b.endAt, capacity: b.capacity };
}

describe('roster pages and the call list', () => {
  test('when the list is long, then it comes a page at a time with filters, and the waitlist keeps its positions', async () => {
    const talk = await publishedTalk(t, town, { capacity: 3 });
    const rs = await bulkResidents(t, 5);
    for (const r of rs) await signUp(r, talk.id);
    const first = await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations?limit=2`, { token: town });
    expect(first.body).toMatchObject({ total: 5, nextCursor: '2' });
    expect(first.body.items).toHaveLength(2);
    const last = await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations?limit=2&cursor=4`, { token: town });
    expect(last.body).toMatchObject({ total: 5, nextCursor: null });
    expect(last.body.items[0]).toMatchObject({ status: 'waitlisted', position: 2 });
    const waiting = await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations?status=waitlisted`, { token: town });
    expect(waiting.body.items.map((i: { position: number }) => i.position)).toEqual([1, 2]);
    const absent = await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations?status=confirmed&attended=false`, { token: town });
    expect(absent.body.total).toBe(3);
    expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations?cursor=abc`, { token: town })).status).toBe(400);
    expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations?limit=0`, { token: town })).status).toBe(400);
  });

  test('when the organiser opens the call list, then full phones of registrants in their own area show and each page is audited', async () => {
    const talk = await publishedTalk(t, town, { capacity: 10 });
    const ours = await bulkResidents(t, 3, { village: VILLAGE_A });
    const theirs = await bulkResidents(t, 2, { village: VILLAGE_C });
    for (const r of [...ours, ...theirs]) await signUp(r, talk.id);
    await walkIn(town, talk.id, { name: '王五', phone: '13912345678' });

    const page1 = await t.request('GET', `/api/admin/v1/talks/${talk.id}/call-list?limit=2`, { token: town });
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ total: 3, nextCursor: '2' });
    expect(page1.body.items[0]).toMatchObject({ name: '居民0', phone: '13800000000', village: '东村', status: 'confirmed' });
    const page2 = await t.request('GET', `/api/admin/v1/talks/${talk.id}/call-list?limit=2&cursor=2`, { token: town });
    expect(page2.body.items).toHaveLength(1);
    const audits = await AuditLog(t.db).find({ action: 'talk.call_list.view', targetId: talk.id }).sort({ _id: 1 }).lean();
    expect(audits.map((a) => [a.actorId, a.details])).toEqual([
      [townId, { rows: 2, offset: 0, status: null }],
      [townId, { rows: 1, offset: 2, status: null }],
    ]);

    // The district sees every registrant (never walk-ins: they are not called); the masked list never shows a full phone.
    const all = await t.request('GET', `/api/admin/v1/talks/${talk.id}/call-list`, { token: district });
    expect(all.body.total).toBe(5);
    expect(all.body.items.every((i: { phone: string }) => /^1\d{10}$/.test(i.phone))).toBe(true);
    const masked = await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations`, { token: town });
    expect(masked.body.items.every((i: { phone: string }) => i.phone.includes('****'))).toBe(true);
    expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}/call-list?status=walk_in`, { token: town })).status).toBe(400);
    expect(await AuditLog(t.db).countDocuments({ action: 'talk.call_list.view', targetId: talk.id })).toBe(3);
  });
});

describe('session list', () => {
  test('when staff ask for a period (a calendar month), then only sessions starting in it come back, in scope', async () => {
    const inside = await publishedTalk(t, town, {}, 24 * 40);
    const outside = await publishedTalk(t, town, {}, 24 * 80);
    const from = new Date(new Date(inside.body.startAt).getTime() - HOUR).toISOString();
    const to = new Date(new Date(inside.body.startAt).getTime() + HOUR).toISOString();
    const q = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const mine = await t.request('GET', `/api/admin/v1/talks?${q}`, { token: town });
    expect(mine.body.items.map((i: { id: string }) => i.id)).toEqual([inside.id]);
    expect(mine.body.items.map((i: { id: string }) => i.id)).not.toContain(outside.id);
    expect((await t.request('GET', `/api/admin/v1/talks?${q}`, { token: other })).body.items).toEqual([]);
    expect((await t.request('GET', '/api/admin/v1/talks?from=yesterday', { token: town })).status).toBe(400);
  });
});
