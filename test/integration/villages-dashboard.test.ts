import ExcelJS from 'exceljs';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Areas } from '../../src/modules/areas/areas.model';
import { rebuildQuizFigures } from '../../src/modules/quiz';
import { Submissions } from '../../src/modules/quiz/quiz.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';

let t: TestApp;
let district: string;
let mashang: string;
let nanding: string;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  [district, mashang, nanding] = (
    await Promise.all([staffLogin(t, 'district_admin', '370303'), staffLogin(t, 'town_admin', TOWN_MS), staffLogin(t, 'town_admin', TOWN_ND)])
  ).map((s) => s.token) as [string, string, string];
});
afterAll(() => t.close());

async function xlsx(rows: unknown[][], headers = ['村居名称', '所属镇街', '村居编码（可不填）']): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('村居');
  ws.addRow(headers);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
}
const importX = (token: string, content: string) => t.request('POST', '/api/admin/v1/areas/import', { token, body: { format: 'xlsx', content } });

describe('villages', () => {
  test('the template has the Chinese headers and lists the towns in scope', async () => {
    const res = await fetch(`${t.url}/api/admin/v1/areas/import-template`, { headers: { authorization: `Bearer ${mashang}` } });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    expect(wb.worksheets[0]!.getRow(1).values).toEqual([undefined, '村居名称', '所属镇街', '村居编码（可不填）']);
    const towns: string[] = [];
    wb.worksheets[1]!.eachRow((r, n) => n > 1 && r.getCell(2).text && towns.push(r.getCell(2).text));
    expect(towns).toEqual([TOWN_MS]);
  });

  test('when an XLSX file has bad rows, then each is reported by its row and nothing is imported; a good file imports every row', async () => {
    const before = await Areas(t.db).countDocuments();
    const bad = await importX(
      district,
      await xlsx([
        ['北村', '马尚街道'],
        ['', '马尚街道'],
        ['中村', '不存在镇'],
        ['北村', TOWN_MS],
      ]),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
      [3, 'name'],
      [4, 'parentCode'],
      [5, 'code'],
    ]);
    expect(await Areas(t.db).countDocuments()).toBe(before);
    expect((await importX(district, await xlsx([['北村', '马尚街道']], ['名字', '镇']))).body.error.details.errors[0].message).toContain('村居名称');
    expect((await importX(district, 'bm90IGEgZmlsZQ==')).body.error.details.errors[0].message).toContain('.xlsx');
    const good = await importX(
      mashang,
      await xlsx([
        ['北村', '马尚街道'],
        ['和美社区', TOWN_MS, '370303-JD-MS-hm'],
      ]),
    );
    expect(good.status).toBe(201);
    expect(good.body.imported).toBe(2);
    expect(await Areas(t.db).findOne({ code: '370303-JD-MS-hm' }).lean()).toMatchObject({ level: 'community', path: ['370303', TOWN_MS, '370303-JD-MS-hm'] });
    expect(await AuditLog(t.db).countDocuments({ action: 'areas.import', 'details.format': 'xlsx' })).toBe(1);
  });

  test('the list pages on the server and filters; another town sees none of 马尚; rename and disable are scoped and audited', async () => {
    const list = await t.request('GET', '/api/admin/v1/areas/villages?limit=2', { token: mashang });
    expect(list.body.items).toHaveLength(2);
    const rest = await t.request('GET', `/api/admin/v1/areas/villages?limit=10&cursor=${list.body.nextCursor}`, { token: mashang });
    const all = [...list.body.items, ...rest.body.items];
    expect(all.every((v: { parentCode: string; parentName: string }) => v.parentCode === TOWN_MS && v.parentName === '马尚街道')).toBe(true);
    expect(all.map((v: { code: string }) => v.code)).toEqual(expect.arrayContaining([VILLAGE_A, VILLAGE_B, '370303-JD-MS-hm']));
    expect((await t.request('GET', '/api/admin/v1/areas/villages?q=东', { token: mashang })).body.items.map((v: { code: string }) => v.code)).toEqual([
      VILLAGE_A,
    ]);
    expect((await t.request('GET', '/api/admin/v1/areas/villages', { token: nanding })).body.items.map((v: { code: string }) => v.code)).toEqual([VILLAGE_C]);
    expect((await t.request('GET', `/api/admin/v1/areas/villages?town=${TOWN_MS}`, { token: nanding })).status).toBe(403);

    const patch = (token: string, code: string, body: unknown) => t.request('PATCH', `/api/admin/v1/areas/villages/${code}`, { token, body });
    expect((await patch(nanding, VILLAGE_B, { name: '新西村' })).status).toBe(403);
    const taken = await patch(mashang, VILLAGE_B, { name: '东村' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.details).toEqual([{ path: 'name', message: '本镇街已有名为“东村”的村居' }]);
    expect((await patch(mashang, VILLAGE_B, { name: '' })).body.error.details[0].path).toBe('name');
    expect((await patch(mashang, VILLAGE_B, { name: '新西村' })).body).toMatchObject({ code: VILLAGE_B, name: '新西村', disabled: false });
    expect((await patch(mashang, VILLAGE_B, { disabled: true })).body.disabled).toBe(true);
    // A disabled village is no longer offered nor chosen, and stays in the staff list.
    const picker = await t.request('GET', `/api/v1/areas?parent=${TOWN_MS}`);
    expect(picker.body.items.map((a: { code: string }) => a.code)).not.toContain(VILLAGE_B);
    const r = await residentLogin(t, 'moving', { consent: true });
    const choose = await t.request('PATCH', '/api/v1/me', { token: r.token, body: { villageCode: VILLAGE_B } });
    expect(choose.status).toBe(400);
    expect(choose.body.error.details[0].message).toContain('已停用');
    expect(
      (await t.request('GET', '/api/admin/v1/areas/villages?status=disabled', { token: mashang })).body.items.map((v: { code: string }) => v.code),
    ).toEqual([VILLAGE_B]);
    expect(await AuditLog(t.db).countDocuments({ action: { $in: ['areas.rename', 'areas.disable'] }, targetId: VILLAGE_B })).toBe(2);
    expect((await patch(mashang, VILLAGE_B, { disabled: false })).body.disabled).toBe(false);
  });
});

describe('dashboard', () => {
  test('figures per area drill down district → town → village, within scope only', async () => {
    const [a1, a2, c1] = await Promise.all([
      residentLogin(t, 'd-a1', { village: VILLAGE_A }),
      residentLogin(t, 'd-a2', { village: VILLAGE_A }),
      residentLogin(t, 'd-c1', { village: VILLAGE_C }),
    ]);
    const now = t.clock.now();
    const sub = (residentId: string, village: string, town: string, score: number) => ({
      residentId,
      mode: 'daily',
      day: '2026-11-28',
      villageCode: village,
      areaPath: ['370303', town, village],
      results: [],
      correct: 0,
      total: 5,
      score,
      passed: score >= 60,
      durationMs: 60_000,
      tooFast: false,
      submittedAt: now,
    });
    await Submissions(t.db).insertMany([sub(a1.id, VILLAGE_A, TOWN_MS, 80), sub(a2.id, VILLAGE_A, TOWN_MS, 60), sub(c1.id, VILLAGE_C, TOWN_ND, 100)]);
    // Loaded as data, not submitted: their participation is recorded as the start-up backfill would.
    await rebuildQuizFigures(t.app, { again: true });
    const top = await t.request('GET', '/api/admin/v1/dashboard', { token: district });
    expect(top.status).toBe(200);
    expect(top.body).toMatchObject({ year: 2026, area: { code: '370303' }, trail: [{ code: '370303', name: '张店区' }] });
    const row = (body: { rows: Array<{ code: string }> }, code: string) => body.rows.find((r) => r.code === code) as Record<string, any>;
    expect(row(top.body, '370303')).toMatchObject({ total: true, quiz: { participants: 3, submissions: 3, averageScore: 80 } });
    expect(row(top.body, TOWN_MS)).toMatchObject({ drillable: true, quiz: { participants: 2, averageScore: 70 } });
    const town = await t.request('GET', `/api/admin/v1/dashboard?area=${TOWN_MS}`, { token: district });
    expect(town.body.trail.map((x: { name: string }) => x.name)).toEqual(['张店区', '马尚街道']);
    expect(row(town.body, VILLAGE_A)).toMatchObject({ drillable: false, residents: 2, quiz: { participants: 2, participation: 1 } });
    // The town admin starts at their town; the district and another town are refused; a bad year is a field error.
    expect((await t.request('GET', '/api/admin/v1/dashboard', { token: mashang })).body.trail).toEqual([{ code: TOWN_MS, name: '马尚街道' }]);
    expect((await t.request('GET', '/api/admin/v1/dashboard?area=370303', { token: mashang })).status).toBe(403);
    expect((await t.request('GET', `/api/admin/v1/dashboard?area=${TOWN_MS}`, { token: nanding })).status).toBe(403);
    expect((await t.request('GET', '/api/admin/v1/dashboard?year=1999', { token: mashang })).body.error.details[0].path).toBe('year');
  });
});
