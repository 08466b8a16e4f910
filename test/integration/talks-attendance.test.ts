import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import { issueToken } from '../../src/modules/sessions/sessions.service';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Attendance } from '../../src/modules/talks/talks.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, TOWN_ND } from '../helpers/fixtures';
import { bulkResidents, publishedTalk, type BulkResident } from '../helpers/talks';

let t: TestApp;
let town: string;
let district: string;
let other: string;
const HOUR = 3600_000;
const START = '2026-11-28T02:00:00Z';

beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  town = await longStaff('town_admin', TOWN_MS);
  district = await longStaff('district_admin', '370303');
  other = await longStaff('town_admin', TOWN_ND);
});
afterAll(() => t.close());

/** Staff whose session outlives the clock moves of these tests (the login route caps it at 12 h). */
async function longStaff(role: 'town_admin' | 'district_admin', area: string): Promise<string> {
  const { id } = await staffLogin(t, role, area);
  return (await issueToken(t.app, 'staff', new Types.ObjectId(id), 24 * 30)).token;
}
beforeEach(() => {
  t.clock.set(START);
  t.wechat.reset();
});

const signUp = (r: BulkResident, id: string) => t.request('POST', `/api/v1/talks/${id}/registrations`, { token: r.token, body: {} });
const checkIn = (r: BulkResident, id: string, scene: string) => t.request('POST', `/api/v1/talks/${id}/checkin`, { token: r.token, body: { scene } });
const at = (talk: { body: { startAt: string } }, offsetMs: number) => t.clock.set(new Date(new Date(talk.body.startAt).getTime() + offsetMs));

describe('check-in code', () => {
  test('when staff ask for the code, then a PNG from wxacode.getUnlimited carrying the scene comes back, and is cached', async () => {
    const talk = await publishedTalk(t, town);
    const res = await fetch(`${t.url}/api/admin/v1/talks/${talk.id}/checkin-code`, { headers: { authorization: `Bearer ${town}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-checkin-scene')).toBe(talk.checkinScene);
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(png.toString('latin1')).toContain(`scene=${talk.checkinScene}`);
    const call = t.wechat.calls.find((c) => c.path === '/wxa/getwxacodeunlimit')!;
    expect(call.body).toMatchObject({ scene: talk.checkinScene, page: 'pages/talks/checkin/index' });
    await fetch(`${t.url}/api/admin/v1/talks/${talk.id}/checkin-code`, { headers: { authorization: `Bearer ${town}` } });
    expect(t.wechat.calls.filter((c) => c.path === '/wxa/getwxacodeunlimit')).toHaveLength(1);
    expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}/checkin-code`, { token: other })).status).toBe(403);
  });
});

describe('check-in', () => {
  test('when a confirmed resident scans this session’s code inside the window, then attendance is recorded once', async () => {
    const talk = await publishedTalk(t, town);
    const otherTalk = await publishedTalk(t, town);
    const [r] = await bulkResidents(t, 1);
    await signUp(r!, talk.id);
    at(talk, -2 * HOUR);
    expect((await checkIn(r!, talk.id, talk.checkinScene)).body.error.code).toBe('CHECKIN_NOT_OPEN');
    at(talk, -30 * 60_000);
    expect((await checkIn(r!, talk.id, otherTalk.checkinScene)).body.error.code).toBe('CHECKIN_WRONG_SESSION');
    expect((await checkIn(r!, talk.id, 't=000000000000000000000000.AAAAA')).body.error.code).toBe('CHECKIN_WRONG_SESSION');
    expect((await checkIn(r!, talk.id, 'nonsense')).body.error.code).toBe('CHECKIN_CODE_INVALID');
    const ok = await checkIn(r!, talk.id, talk.checkinScene);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ talkId: talk.id, checkedInAt: t.clock.now().toISOString() });
    const twice = await checkIn(r!, talk.id, talk.checkinScene);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('ALREADY_CHECKED_IN');
    expect(await Attendance(t.db).countDocuments({ _id: `${talk.id}:${r!.id}` })).toBe(1);
  });

  test('when the window has closed or the resident only waits for a seat, then check-in is refused', async () => {
    const talk = await publishedTalk(t, town, { capacity: 1 });
    const [a, b] = await bulkResidents(t, 2);
    await signUp(a!, talk.id);
    await signUp(b!, talk.id);
    at(talk, 10 * 60_000);
    expect((await checkIn(b!, talk.id, talk.checkinScene)).body.error.code).toBe('CHECKIN_NOT_CONFIRMED');
    at(talk, 3 * HOUR);
    expect((await checkIn(a!, talk.id, talk.checkinScene)).body.error.code).toBe('CHECKIN_CLOSED');
  });

  test('when ten residents scan at once, then each is recorded exactly once', async () => {
    const talk = await publishedTalk(t, town);
    const rs = await bulkResidents(t, 10);
    for (const r of rs) await signUp(r, talk.id);
    at(talk, 0);
    const replies = await Promise.all([...rs, ...rs].map((r) => checkIn(r, talk.id, talk.checkinScene)));
    expect(replies.filter((x) => x.status === 200)).toHaveLength(10);
    expect(replies.filter((x) => x.status === 409)).toHaveLength(10);
    expect(await Attendance(t.db).countDocuments({ talkId: talk.id })).toBe(10);
  });
});

describe('attendance figures and export', () => {
  test('when staff mark the list and the session has started, then attended and no-show figures are exact, per area', async () => {
    const talk = await publishedTalk(t, town, { capacity: 5 });
    const rs = await bulkResidents(t, 4);
    for (const r of rs) await signUp(r, talk.id);
    const list = await t.request('GET', `/api/admin/v1/talks/${talk.id}/registrations`, { token: town });
    expect(list.body.items).toHaveLength(4);
    expect(list.body.items[0]).toMatchObject({ name: '居**', phone: '138****0000', village: '东村', status: 'confirmed', attended: false });
    at(talk, 0);
    await checkIn(rs[0]!, talk.id, talk.checkinScene);
    const ids = list.body.items.slice(0, 2).map((i: { registrationId: string }) => i.registrationId);
    const marked = await t.request('POST', `/api/admin/v1/talks/${talk.id}/attendance`, { token: town, body: { registrationIds: [...ids, '0'.repeat(24)] } });
    expect(marked.body).toEqual({ changed: 1, unchanged: 1, invalid: 1 });
    const figures = await t.request('GET', `/api/admin/v1/talks/${talk.id}/figures`, { token: town });
    expect(figures.body).toMatchObject({
      confirmedRegistrations: 4,
      confirmedSeats: 4,
      attended: 2,
      noShow: 2,
      byArea: [{ areaCode: '370303-JD-MS-va', confirmed: 4, attended: 2, noShow: 2 }],
    });
    const area = await t.request('GET', `/api/admin/v1/talk-figures?areaCode=${TOWN_MS}`, { token: town });
    expect(area.body.sessions.find((s: { talkId: string }) => s.talkId === talk.id)).toMatchObject({ attended: 2, noShow: 2 });
  });

  test('when a town admin exports, then the CSV is masked and audited; full export is only for the district admin', async () => {
    const talk = await publishedTalk(t, town);
    const rs = await bulkResidents(t, 2);
    for (const r of rs) await signUp(r, talk.id);
    const masked = await t.request('GET', `/api/admin/v1/talks/${talk.id}/export?format=csv`, { token: town });
    expect(masked.status).toBe(200);
    expect(masked.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = String(masked.body)
      .replace(/^\ufeff/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toBe('序号,姓名,手机号,村（居）,名额,状态,候补位置,签到,签到时间,报名时间');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^1,居\*\*,138\*\*\*\*0000,东村,1,已确认,/);
    expect((await t.request('GET', `/api/admin/v1/talks/${talk.id}/export?full=true`, { token: town })).status).toBe(403);
    const full = await t.request('GET', `/api/admin/v1/talks/${talk.id}/export?full=true`, { token: district });
    expect(String(full.body)).toContain('居民0,13800000000');
    const audits = await AuditLog(t.db).find({ targetId: talk.id }).lean();
    expect(audits.map((a) => a.action).sort()).toEqual(['talk.export_full', 'talk.export_masked']);
  });

  test('when exporting XLSX, then a workbook with one row per registrant comes back', async () => {
    const talk = await publishedTalk(t, town);
    const rs = await bulkResidents(t, 3);
    for (const r of rs) await signUp(r, talk.id);
    const res = await fetch(`${t.url}/api/admin/v1/talks/${talk.id}/export?format=xlsx`, { headers: { authorization: `Bearer ${town}` } });
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(5);
    expect(ws.getRow(3).getCell(2).value).toBe('居**');
  });
});

describe('feedback', () => {
  test('when a resident who attended rates with comments, then risky is refused, review is held, and staff see the average per session and expert', async () => {
    const expert = await t.request('POST', '/api/admin/v1/experts', {
      token: town,
      body: { name: '王医生', hospital: '区妇保院', title: '主任医师', specialties: ['孕产保健'] },
    });
    expect(expert.status).toBe(201);
    const talk = await publishedTalk(t, town, { expertIds: [expert.body.id] });
    const [a, b, c] = await bulkResidents(t, 3);
    for (const r of [a!, b!, c!]) await signUp(r, talk.id);
    const rate = (r: BulkResident, body: unknown) => t.request('POST', `/api/v1/talks/${talk.id}/feedback`, { token: r.token, body });
    const mine = async (r: BulkResident) => {
      const d = await t.request('GET', `/api/v1/talks/${talk.id}`, { token: r.token });
      return { attended: d.body.attended, feedbackGiven: d.body.feedbackGiven };
    };
    expect((await rate(a!, { rating: 5 })).body.error.code).toBe('FEEDBACK_NOT_ATTENDED');
    expect(await mine(a!)).toEqual({ attended: false, feedbackGiven: false });
    at(talk, 0);
    for (const r of [a!, b!, c!]) await checkIn(r, talk.id, talk.checkinScene);
    expect(await mine(a!)).toEqual({ attended: true, feedbackGiven: false });
    expect((await rate(a!, { rating: 5, comment: '讲得很好，含违禁内容' })).body.error.code).toBe('COMMENT_REJECTED');
    expect((await rate(a!, { rating: 5, comment: '讲得很好' })).body).toEqual({ rating: 5, commentState: 'visible' });
    expect((await rate(b!, { rating: 4, comment: '待审的话' })).body).toEqual({ rating: 4, commentState: 'review' });
    expect((await rate(c!, { rating: 3 })).status).toBe(201);
    expect((await rate(c!, { rating: 1 })).body.error.code).toBe('FEEDBACK_EXISTS');
    expect(await mine(c!)).toEqual({ attended: true, feedbackGiven: true });
    const fb = await t.request('GET', `/api/admin/v1/talks/${talk.id}/feedback`, { token: town });
    expect(fb.body).toMatchObject({ count: 3, average: 4 });
    expect(fb.body.comments.map((x: { state: string }) => x.state).sort()).toEqual(['review', 'visible']);
    const approve = await t.request('POST', `/api/admin/v1/talks/${talk.id}/feedback/${b!.id}/review`, { token: town, body: { approve: true } });
    expect(approve.body).toEqual({ state: 'visible' });
    const experts = await t.request('GET', '/api/admin/v1/experts', { token: town });
    expect(experts.body.items.find((e: { id: string }) => e.id === expert.body.id).feedback).toEqual({ count: 3, average: 4 });
    // out of scope: another town sees no ratings from this session
    const far = await t.request('GET', '/api/admin/v1/experts', { token: other });
    expect(far.body.items.find((e: { id: string }) => e.id === expert.body.id).feedback).toEqual({ count: 0, average: null });
  });
});
