import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Campaigns } from '../../src/modules/campaigns/campaigns.model';
import { remindYearlyReports } from '../../src/modules/reports/reminders';
import { ReportReminders, TypicalCases } from '../../src/modules/reports/reports.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { boundGroups, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_C } from '../helpers/fixtures';

jest.setTimeout(60_000);

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let t: TestApp;
let worker: { token: string; id: string };
let town: { token: string; id: string };
let otherTown: { token: string; id: string };
let district: { token: string; id: string };
beforeAll(async () => {
  t = await startTestApp({ now: '2026-11-20T02:00:00Z' });
  await seedVillages(t);
  worker = await staffLogin(t, 'village_worker', VILLAGE_A);
  town = await staffLogin(t, 'town_admin', TOWN_MS, 'rep-town-ms');
  otherTown = await staffLogin(t, 'town_admin', TOWN_ND, 'rep-town-nd');
  district = await staffLogin(t, 'district_admin', '370303', 'rep-district');
});
afterAll(() => t.close());

const write = (token: string, body: Record<string, unknown>) => t.request('POST', '/api/admin/v1/reports/cases', { token, body });
const review = (token: string, id: string, decision: string) => t.request('POST', `/api/admin/v1/reports/cases/${id}/review`, { token, body: { decision } });
const TEXT = '王大爷参加了三次健康讲座，学会了自己量血压，带动全家少盐少油，血压稳定了。';

describe('typical cases (典型)', () => {
  let approvedId = '';

  test('when a village worker writes a case with a photo, then it waits for review, the photo is sealed and the write is audited', async () => {
    const res = await write(worker.token, { title: '王大爷的控压故事', text: TEXT, photo: PNG.toString('base64') });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: '王大爷的控压故事', areaCode: VILLAGE_A, status: 'pending', hasPhoto: true, reviewedBy: null });
    approvedId = res.body.id;
    const stored = await TypicalCases(t.db).findById(approvedId).lean();
    expect(stored!.photo!.sealed).not.toContain(PNG.toString('base64').slice(0, 20));
    expect(await AuditLog(t.db).countDocuments({ action: 'report.case.create', targetId: approvedId })).toBe(1);
  });

  test("when the input is bad or outside the writer's area, then a clear error and nothing is stored", async () => {
    const before = await TypicalCases(t.db).countDocuments();
    const notImage = await write(worker.token, { title: '标题', text: TEXT, photo: Buffer.from('hello world').toString('base64') });
    expect(notImage.status).toBe(400);
    expect(notImage.body.error.details).toEqual([{ path: 'photo', message: '照片只能是 JPG 或 PNG 图片' }]);
    expect((await write(worker.token, { title: '标', text: TEXT })).status).toBe(400);
    expect((await write(worker.token, { title: '标题', text: TEXT, areaCode: VILLAGE_C })).status).toBe(403);
    expect((await write(district.token, { title: '标题', text: TEXT })).status).toBe(403);
    expect(await TypicalCases(t.db).countDocuments()).toBe(before);
  });

  test('when cases are reviewed, then only the town over them (or the district) decides, never the author, and only once', async () => {
    expect((await review(worker.token, approvedId, 'approve')).status).toBe(403);
    expect((await review(otherTown.token, approvedId, 'approve')).status).toBe(404);
    const own = await write(town.token, { title: '镇里写的案例', text: TEXT });
    expect((await review(town.token, own.body.id, 'approve')).body.error.message).toBe('不能审核自己写的案例');
    const ok = await review(town.token, approvedId, 'approve');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'approved', reviewedBy: expect.any(String) });
    expect((await review(district.token, approvedId, 'reject')).body.error.code).toBe('CASE_DECIDED');
    const rejected = await write(worker.token, { title: '未通过的案例', text: TEXT });
    expect((await review(district.token, rejected.body.id, 'reject')).body.status).toBe('rejected');
    expect(await AuditLog(t.db).countDocuments({ action: 'report.case.approved', targetId: approvedId })).toBe(1);
    const list = await t.request('GET', '/api/admin/v1/reports/cases?status=approved', { token: town.token });
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([approvedId]);
    expect((await t.request('GET', '/api/admin/v1/reports/cases', { token: otherTown.token })).body.items).toEqual([]);
  });

  test('when staff in scope open the photo, then they get the original bytes and the view is audited', async () => {
    const res = await fetch(`${t.url}/api/admin/v1/reports/cases/${approvedId}/photo`, { headers: { authorization: `Bearer ${town.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect(await AuditLog(t.db).countDocuments({ action: 'report.case.photo_view', targetId: approvedId })).toBe(1);
    expect((await t.request('GET', `/api/admin/v1/reports/cases/${approvedId}/photo`, { token: otherTown.token })).status).toBe(404);
  });

  test("when a case is broadcast, then it becomes a broadcast under the campaign rules: a worker's waits for review; a pending case cannot go", async () => {
    const pending = await write(worker.token, { title: '还没审核的案例', text: TEXT });
    expect((await t.request('POST', `/api/admin/v1/reports/cases/${pending.body.id}/broadcast`, { token: worker.token })).body.error.code).toBe(
      'CASE_NOT_APPROVED',
    );
    const noGroup = await t.request('POST', `/api/admin/v1/reports/cases/${approvedId}/broadcast`, { token: worker.token });
    expect([noGroup.status, noGroup.body.error.code]).toEqual([422, 'NO_GROUPS']);
    await boundGroups(t, VILLAGE_A, ['东村群']);
    const byWorker = await t.request('POST', `/api/admin/v1/reports/cases/${approvedId}/broadcast`, { token: worker.token });
    expect(byWorker.status).toBe(201);
    expect(byWorker.body.status).toBe('pending_review');
    const campaign = await Campaigns(t.db).findById(byWorker.body.campaignId).lean();
    expect(campaign).toMatchObject({ kind: 'broadcast', targets: { areaCodes: [VILLAGE_A] }, createdBy: worker.id });
    expect(campaign!.text).toContain('王大爷参加了三次健康讲座');
    expect((await TypicalCases(t.db).findById(approvedId).lean())!.broadcastIds).toEqual([byWorker.body.campaignId]);
  });

  test('when the report is made, then approved cases (only) are in the JSON, the XLSX sheet and the DOCX', async () => {
    const json = await t.request('GET', '/api/admin/v1/reports/yearly?year=2026', { token: town.token });
    expect(json.body.cases.map((c: { title: string }) => c.title)).toEqual(['王大爷的控压故事']);
    expect(json.body.cases[0]).toMatchObject({ areaName: '东村', text: TEXT, hasPhoto: true });
    const xlsx = await fetch(`${t.url}/api/admin/v1/reports/yearly?year=2026&format=xlsx`, { headers: { authorization: `Bearer ${town.token}` } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsx.arrayBuffer());
    const sheet = wb.getWorksheet('典型案例')!;
    expect((sheet.getRow(2).values as unknown[]).slice(1, 4)).toEqual(['王大爷的控压故事', '东村', TEXT]);
    expect(sheet.rowCount).toBe(2);
    const docx = await fetch(`${t.url}/api/admin/v1/reports/yearly?year=2026&format=docx`, { headers: { authorization: `Bearer ${town.token}` } });
    const xml = await (await JSZip.loadAsync(Buffer.from(await docx.arrayBuffer()))).file('word/document.xml')!.async('string');
    const text = xml.replace(/<[^>]+>/g, '');
    expect(text).toContain('1. 王大爷的控压故事（东村）');
    expect(text).toContain(TEXT);
    expect(text).not.toContain('未通过的案例');
  });
});

describe('December reminders', () => {
  const banner = async (token: string) => (await t.request('GET', '/api/admin/v1/reports/reminder', { token })).body;

  test('when it is not yet December, then nobody is reminded and no banner shows', async () => {
    const t2 = await startTestApp({ now: '2026-11-30T02:00:00Z' });
    try {
      await staffLogin(t2, 'town_admin', TOWN_ND);
      expect(await remindYearlyReports(t2.app)).toEqual({ reminded: 0 });
    } finally {
      await t2.close();
    }
  });

  test('when 1 and 10 December come, then each town admin whose report is not submitted, and the district admin, are reminded once per day, and the banner says so until it is in', async () => {
    t.clock.set('2026-12-01T01:05:00Z'); // 09:05 in Zibo
    // Staff sessions last 12 hours: log in again on the day.
    const relogin = async (who: { token: string; id: string }, username: string) => {
      who.token = (await t.request('POST', '/api/admin/v1/auth/login', { body: { username, password: 'correct-horse-battery' } })).body.token;
    };
    await relogin(town, 'rep-town-ms');
    await relogin(otherTown, 'rep-town-nd');
    await relogin(district, 'rep-district');
    // 马尚 submitted its report; 南定 has only generated it.
    expect((await t.request('POST', '/api/admin/v1/reports/yearly/submit', { token: town.token, body: { year: 2026 } })).status).toBe(201);
    await t.request('GET', '/api/admin/v1/reports/yearly?year=2026', { token: otherTown.token });
    expect(await remindYearlyReports(t.app)).toEqual({ reminded: 2 });
    expect(await remindYearlyReports(t.app)).toEqual({ reminded: 0 });
    const ids = (await ReportReminders(t.db).find().lean()).map((r) => r._id).sort();
    expect(ids).toEqual([`2026:12-01:${otherTown.id}`, `2026:12-01:${district.id}`].sort());
    expect(await banner(otherTown.token)).toEqual({
      due: true,
      year: 2026,
      areaCode: TOWN_ND,
      deadline: '2026-12-15',
      message: expect.stringContaining('12 月 15 日前'),
    });
    expect((await banner(town.token)).due).toBe(false);
    expect(await banner(district.token)).toMatchObject({ due: true, message: expect.stringContaining('南定镇') });

    t.clock.set('2026-12-02T01:05:00Z');
    expect(await remindYearlyReports(t.app)).toEqual({ reminded: 0 }); // the 1 December reminder was sent
    t.clock.set('2026-12-10T01:05:00Z');
    expect(await remindYearlyReports(t.app)).toEqual({ reminded: 2 });
    t.clock.set('2026-12-11T01:05:00Z');
    expect(await remindYearlyReports(t.app)).toEqual({ reminded: 0 });

    await relogin(otherTown, 'rep-town-nd');
    expect((await t.request('POST', '/api/admin/v1/reports/yearly/submit', { token: otherTown.token, body: { year: 2026 } })).status).toBe(201);
    expect((await banner(otherTown.token)).due).toBe(false);
    expect(await ReportReminders(t.db).countDocuments()).toBe(4);
  });
});
