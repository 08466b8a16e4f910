import JSZip from 'jszip';
import { Types } from 'mongoose';
import { issueToken } from '../../src/modules/sessions/sessions.service';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { remindYearlyReports } from '../../src/modules/reports/reminders';
import { ReportReminders } from '../../src/modules/reports/reports.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A } from '../helpers/fixtures';

// A town submits (报送) its yearly report; the district sees each town's status, can return one with a reason,
// and is reminded of the towns not in; the Word file of what was submitted.
let t: TestApp;
let town: { token: string; id: string };
let otherTown: { token: string; id: string };
let district: { token: string; id: string };
// 07:30 on 2 December in Zibo, still 1 December in UTC
const NOW = '2026-12-01T23:30:00Z';

beforeAll(async () => {
  t = await startTestApp({ now: NOW });
  await seedVillages(t);
  // sessions that outlast the clock moves below (a login lasts 12 hours)
  const lasting = async (s: { id: string }) => ({ id: s.id, token: (await issueToken(t.app, 'staff', new Types.ObjectId(s.id), 24 * 30)).token });
  town = await lasting(await staffLogin(t, 'town_admin', TOWN_MS));
  otherTown = await lasting(await staffLogin(t, 'town_admin', TOWN_ND));
  district = await lasting(await staffLogin(t, 'district_admin', '370303'));
  for (let i = 0; i < 3; i++) await residentLogin(t, `ms${i}`, { village: VILLAGE_A });
});
afterAll(() => t.close());

const statuses = async (token: string) => (await t.request('GET', '/api/admin/v1/reports/yearly/submissions?year=2026', { token })).body;
const statusOf = async (token: string, code: string) => (await statuses(token)).items.find((i: { areaCode: string }) => i.areaCode === code);
const submitted = (token: string, format: string, area = TOWN_MS) =>
  fetch(`${t.url}/api/admin/v1/reports/yearly/submitted?year=2026&area=${area}&format=${format}`, { headers: { authorization: `Bearer ${token}` } });

test('when a town admin submits, then the report is kept as it was with who and when; the district sees each town’s status, returns one with a reason, and it is submitted again', async () => {
  expect(await statusOf(district.token, TOWN_MS)).toMatchObject({ areaName: '马尚街道', status: 'not_generated', overdue: false, deadline: '2026-12-15' });
  expect((await t.request('POST', '/api/admin/v1/reports/yearly/submit', { token: district.token, body: { year: 2026 } })).status).toBe(403);

  const done = await t.request('POST', '/api/admin/v1/reports/yearly/submit', { token: town.token, body: { year: 2026 } });
  expect(done.status).toBe(201);
  expect(done.body).toMatchObject({ areaCode: TOWN_MS, status: 'submitted', submittedAt: new Date(NOW).toISOString(), returned: null });
  expect((await t.request('POST', '/api/admin/v1/reports/yearly/submit', { token: town.token, body: { year: 2026 } })).body.error.code).toBe(
    'REPORT_ALREADY_SUBMITTED',
  );

  // Figures move on afterwards; the submitted report does not.
  await residentLogin(t, 'late', { village: VILLAGE_A });
  const live = (await t.request('GET', `/api/admin/v1/reports/yearly?year=2026&area=${TOWN_MS}`, { token: district.token })).body;
  const kept = (await (await submitted(district.token, 'json')).json()) as any;
  expect(live.areas[0].residents.registered).toBe(kept.areas[0].residents.registered + 1);
  expect(kept.submitted).toEqual({ at: new Date(NOW).toISOString(), by: done.body.submittedBy });

  // The district: 马尚 submitted, 南定 nothing yet; another town's admin sees only their own and never 马尚's report.
  const all = await statuses(district.token);
  expect(all.items.length).toBeGreaterThan(2);
  expect(await statusOf(district.token, TOWN_ND)).toMatchObject({ status: 'not_generated' });
  expect((await statuses(otherTown.token)).items.map((i: { areaCode: string }) => i.areaCode)).toEqual([TOWN_ND]);
  expect((await submitted(otherTown.token, 'json')).status).toBe(403);

  // Returned with a reason: the town sees it and submits again.
  expect(
    (await t.request('POST', '/api/admin/v1/reports/yearly/return', { token: district.token, body: { year: 2026, areaCode: TOWN_MS, reason: '' } })).status,
  ).toBe(400);
  expect(
    (await t.request('POST', '/api/admin/v1/reports/yearly/return', { token: otherTown.token, body: { year: 2026, areaCode: TOWN_MS, reason: '数据不全' } }))
      .status,
  ).toBe(403);
  const back = await t.request('POST', '/api/admin/v1/reports/yearly/return', {
    token: district.token,
    body: { year: 2026, areaCode: TOWN_MS, reason: '典型案例缺照片，请补充后重新报送' },
  });
  expect(back.body).toMatchObject({ status: 'generated', submittedAt: null, returned: { reason: '典型案例缺照片，请补充后重新报送' } });
  expect(
    (await t.request('POST', '/api/admin/v1/reports/yearly/return', { token: district.token, body: { year: 2026, areaCode: TOWN_MS, reason: '再退一次' } }))
      .body.error.code,
  ).toBe('REPORT_NOT_SUBMITTED');
  expect((await submitted(district.token, 'json')).status).toBe(404);
  expect((await statusOf(town.token, TOWN_MS)).returned.reason).toBe('典型案例缺照片，请补充后重新报送');
  const again = await t.request('POST', '/api/admin/v1/reports/yearly/submit', { token: town.token, body: { year: 2026 } });
  expect(again.body).toMatchObject({ status: 'submitted', returned: null });
  expect(((await (await submitted(district.token, 'json')).json()) as any).areas[0].residents.registered).toBe(live.areas[0].residents.registered);
  expect(await AuditLog(t.db).countDocuments({ action: { $in: ['report.yearly.submit', 'report.yearly.return'] } })).toBe(3);
});

test('when the submitted report is downloaded as Word, then it has China’s date, page numbers, the sign-off block and tables laid out so names and percentages stay whole', async () => {
  const res = await submitted(district.token, 'docx');
  expect(res.status).toBe(200);
  const zip = await JSZip.loadAsync(Buffer.from(await res.arrayBuffer()));
  const xml = await zip.file('word/document.xml')!.async('string');
  const text = xml.replace(/<[^>]+>/g, '');
  expect(text).toContain('生成时间：2026-12-02 07:30');
  expect(text).not.toContain('2026-12-01');
  for (const label of ['填报人：', '审核人：', '联系电话：', '单位盖章：', '报送时间：2026-12-02 07:30']) expect(text).toContain(label);
  const footers = await Promise.all(
    Object.keys(zip.files)
      .filter((f) => /^word\/footer\d*\.xml$/.test(f))
      .map((f) => zip.file(f)!.async('string')),
  );
  expect(footers.join('')).toMatch(/PAGE.*NUMPAGES/s);
  // Every section table is fixed, and its name column is wider than the longest name in it.
  const tables = xml.match(/<w:tbl>.*?<\/w:tbl>/gs) ?? [];
  expect(tables.length).toBeGreaterThan(5);
  for (const tbl of tables) {
    expect(tbl).toContain('<w:tblLayout w:type="fixed"/>');
    const widths = [...tbl.matchAll(/<w:gridCol w:w="(\d+)"\/>/g)].map((m) => Number(m[1]));
    expect(widths.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(9026 + widths.length);
  }
  const talks = tables.find((x) => x.includes('马尚街道') && x.includes('%'))!;
  const size = Number(/<w:sz w:val="(\d+)"\/>/.exec(talks)![1]);
  const first = Number(/<w:gridCol w:w="(\d+)"\/>/.exec(talks)![1]);
  expect(first).toBeGreaterThanOrEqual(4 * size * 10); // 马尚街道: four characters at that size
});

test('when 10 December comes, then district admins are reminded of the towns not in, and a town that submitted is not', async () => {
  t.clock.set('2026-12-10T01:00:00Z');
  await remindYearlyReports(t.app);
  const records = await ReportReminders(t.db).find({ day: '12-10' }).lean();
  expect(records.map((r) => r.staffId)).toEqual(expect.arrayContaining([district.id, otherTown.id]));
  expect(records.map((r) => r.staffId)).not.toContain(town.id);
  const banner = (await t.request('GET', '/api/admin/v1/reports/reminder', { token: district.token })).body;
  expect(banner.due).toBe(true);
  expect(banner.message).toContain('南定镇');
  expect(banner.message).not.toContain('马尚街道');
  expect((await t.request('GET', '/api/admin/v1/reports/reminder', { token: town.token })).body.due).toBe(false);

  t.clock.set('2026-12-16T01:00:00Z');
  expect(await statusOf(district.token, TOWN_ND)).toMatchObject({ status: 'not_generated', overdue: true });
  expect(await statusOf(district.token, TOWN_MS)).toMatchObject({ status: 'submitted', overdue: false });
});
