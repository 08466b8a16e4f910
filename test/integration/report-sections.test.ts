import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { z } from '../../src/http/zod';
import { modules } from '../../src/modules';
import type { FigureSection } from '../../src/modules/module';
import { useFigureSections } from '../../src/modules/reports';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B } from '../helpers/fixtures';

jest.setTimeout(120_000);

const hooked = modules.flatMap((m) => (m.figures ? [{ module: m.name, section: m.figures }] : []));

/** A module's section as a new module would add it: counts of its own, a field per area, a sheet and a clause. */
const demo: FigureSection<Map<string, number>> = {
  order: 35,
  figures: async (_app, q) => new Map([...new Set([...q.codes, ...q.villages.map((v) => v.code)])].map((c, i) => [c, i + 1])),
  row: (f, code, row) => ({ demo: { visits: f.get(code)!, perResident: row.residents.registered } }),
  rowShape: { demo: z.object({ visits: z.number(), perResident: z.number() }) },
  tail: (f, q) => ({ demoVillages: q.villages.map((v) => f.get(v.code)!) }),
  tailShape: { demoVillages: z.array(z.number()) },
  dashboard: (r) => ({ demo: r.demo.visits }),
  dashboardShape: { demo: z.number() },
  sheets: (r) => [
    { key: 'demo', title: '示例', percent: [], headers: ['地区编码', '地区', '走访'], rows: r.areas.map((a) => [a.code, a.name, a.demo.visits]) },
  ],
  overview: { clauses: (a) => [`示例走访 ${a.demo.visits} 次`] },
};

let t: TestApp;
let town: { token: string };
beforeAll(async () => {
  useFigureSections([...hooked.map((h) => h.section), demo]);
  t = await startTestApp({ now: '2026-12-02T02:00:00Z' });
  await seedVillages(t);
  town = await staffLogin(t, 'town_admin', TOWN_MS);
});
afterAll(async () => {
  useFigureSections(hooked.map((h) => h.section));
  await t.close();
});

const get = (path: string) => fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${town.token}` } });

describe('figure sections', () => {
  test('the modules that contribute a section are the ones the report shows, in this order', () => {
    expect(hooked.map((h) => [h.module, h.section.order]).sort((a, b) => (a[1] as number) - (b[1] as number))).toEqual([
      ['residents', 10],
      ['quiz', 20],
      ['content', 25],
      ['talks', 30],
      ['referrals', 40],
      ['insurance', 50],
      ['screenings', 55],
      ['campaigns', 60],
      ['consult', 70],
      ['requests', 80],
      ['taskbook', 1000],
    ]);
  });

  test('when a module adds a section, then its fields sit in each area row and around the rows in section order', async () => {
    const res = await t.request('GET', '/api/admin/v1/reports/yearly?year=2026', { token: town.token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual([
      'year',
      'area',
      'generatedAt',
      'targets',
      'rounds',
      'areas',
      'contentMissingItems',
      'demoVillages',
      'groupsByVillage',
      'cases',
    ]);
    expect(Object.keys(res.body.areas[0])).toEqual([
      'code',
      'name',
      'level',
      'residents',
      'quiz',
      'literacy',
      'content',
      'talks',
      'demo',
      'referrals',
      'insurance',
      'screenings',
      'groups',
      'consult',
      'requests',
      'taskbook',
    ]);
    expect(res.body.areas.map((a: { code: string; demo: unknown }) => [a.code, a.demo])).toEqual([
      [TOWN_MS, { visits: 1, perResident: 0 }],
      [VILLAGE_A, { visits: 2, perResident: 0 }],
      [VILLAGE_B, { visits: 3, perResident: 0 }],
    ]);
    expect(res.body.demoVillages).toEqual([2, 3]);
  });

  test('when a module adds a section, then the dashboard shows its fields', async () => {
    const res = await t.request('GET', '/api/admin/v1/dashboard?year=2026', { token: town.token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.rows[0])).toEqual([
      'code',
      'name',
      'level',
      'total',
      'drillable',
      'disabled',
      'residents',
      'quiz',
      'content',
      'talks',
      'demo',
      'referrals',
      'insurance',
      'screenings',
      'groups',
      'consult',
      'requests',
      'taskbook',
    ]);
    expect(res.body.rows.map((r: { demo: number }) => r.demo)).toEqual([1, 2, 3]);
  });

  test('when a module adds a section, then the workbook has its sheet and the summary its table and clause, in order', async () => {
    const x = await get('/api/admin/v1/reports/yearly?year=2026&format=xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await x.arrayBuffer()) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      '居民登记',
      '健康答题',
      '健康素养水平',
      '健康素养变化（前后对比）',
      '目标线',
      '健康知识阅读收听',
      '讲座与筛查',
      '示例',
      '唇腭裂救助转介',
      '家庭意外保险',
      '筛查结果与随访',
      '村群消息',
      '各村居绑定群',
      '优生优育咨询',
      '群众诉求',
      '任务书完成情况与督导整改',
      '典型案例',
    ]);
    expect(wb.getWorksheet('示例')!.getRow(2).values).toEqual([undefined, TOWN_MS, expect.any(String), 1]);

    const d = await get('/api/admin/v1/reports/yearly?year=2026&format=docx');
    const xml = await (await JSZip.loadAsync(Buffer.from(await d.arrayBuffer()))).file('word/document.xml')!.async('string');
    const text = xml.replace(/<[^>]+>/g, '');
    expect(text).toContain('签到 0 人次；示例走访 1 次；唇腭裂救助转介 0 例，家庭意外保险投保 0 份');
    expect(text).toMatch(/七、健康知识阅读收听.*八、讲座与筛查.*九、示例.*十、唇腭裂救助转介/);
  });
});
