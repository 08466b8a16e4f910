import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Types } from 'mongoose';
import { rebuildQuizFigures } from '../../src/modules/quiz';
import { Contests, Submissions } from '../../src/modules/quiz/quiz.model';
import { yearlyReportResponse } from '../../src/modules/reports/reports.schemas';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { PATH, seedYear } from '../helpers/report-year';

jest.setTimeout(120_000);

let t: TestApp;
let town: { token: string; id: string };
let district: { token: string; id: string };
let seeded: Awaited<ReturnType<typeof seedYear>>;
beforeAll(async () => {
  t = await startTestApp({ now: '2026-12-02T02:00:00Z' });
  await seedVillages(t);
  seeded = await seedYear(t);
  town = await staffLogin(t, 'town_admin', TOWN_MS);
  district = await staffLogin(t, 'district_admin', '370303');
});
afterAll(() => t.close());

const yearly = (token: string, qs: string) => t.request('GET', `/api/admin/v1/reports/yearly?${qs}`, { token });
async function file(token: string, qs: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(`${t.url}/api/admin/v1/reports/yearly?${qs}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}
const row = (body: { areas: Array<{ code: string }> }, code: string) => body.areas.find((a) => a.code === code) as any;

/** Every figure of the seeded year for 马尚 (A, B) and 南定 (C), counted by hand. */
const EXPECTED = {
  [TOWN_MS]: {
    residents: { registered: 60, consented: 40 },
    quiz: { participants: 50, participation: 0.8333, submissions: 121, averageScore: 72.58 },
    talks: {
      held: 3,
      byKind: { lecture: 2, screening: 1, checkup: 0, youth: 0, other: 0 },
      signUps: 19,
      attended: 14,
      noShow: 5,
      noShowRate: 0.2632,
      feedbackCount: 3,
      feedbackAverage: 4,
    },
    referrals: {
      byStatus: { submitted: 1, reviewing: 0, referred: 1, surgery_scheduled: 0, completed: 1, not_eligible: 0, withdrawn: 0 },
      total: 3,
      referredCount: 2,
      daysToReferralAverage: 7,
      daysToReferralMedian: 7,
    },
    insurance: {
      byStatus: { submitted: 1, verified: 0, paid: 1, issued: 1, rejected: 0, cancelled: 0 },
      total: 3,
      insuredPersons: 5,
      premiumFen: 50000,
      premiumYuan: 500,
    },
    groups: { planned: 8, sent: 5, dead: 1, pending: 2, cancelled: 0, boundGroups: 3 },
    literacy: [
      { n: 50, x: 12, p: 0.24, low: 0.143, high: 0.3741, tooSmall: false },
      { n: 50, x: 20, p: 0.4, low: 0.2761, high: 0.5382, tooSmall: false },
    ],
    change: { diff: 0.16, low: -0.0226, high: 0.3288, tooSmall: false },
  },
  [VILLAGE_A]: {
    residents: { registered: 50, consented: 30 },
    quiz: { participants: 40, participation: 0.8, submissions: 101, averageScore: 72.23 },
    literacy: [
      { n: 40, x: 10, p: 0.25, low: 0.1419, high: 0.4019, tooSmall: false },
      { n: 40, x: 16, p: 0.4, low: 0.2635, high: 0.554, tooSmall: false },
    ],
    change: { diff: 0.15, low: -0.0543, high: 0.3382, tooSmall: false },
  },
  [VILLAGE_B]: {
    residents: { registered: 10, consented: 10 },
    quiz: { participants: 10, participation: 1, submissions: 20, averageScore: 74.35 },
    literacy: [
      { n: 10, x: 2, p: 0.2, low: 0.0567, high: 0.5098, tooSmall: true },
      { n: 10, x: 4, p: 0.4, low: 0.1682, high: 0.6873, tooSmall: true },
    ],
    change: { diff: 0.2, low: -0.187, high: 0.5211, tooSmall: true },
  },
  [TOWN_ND]: {
    residents: { registered: 20, consented: 5 },
    quiz: { participants: 20, participation: 1, submissions: 50, averageScore: 75.48 },
    talks: {
      held: 2,
      byKind: { lecture: 0, screening: 0, checkup: 1, youth: 1, other: 0 },
      signUps: 6,
      attended: 6,
      noShow: 0,
      noShowRate: 0,
      feedbackCount: 2,
      feedbackAverage: 5,
    },
    referrals: {
      byStatus: { submitted: 0, reviewing: 0, referred: 0, surgery_scheduled: 0, completed: 0, not_eligible: 1, withdrawn: 0 },
      total: 1,
      referredCount: 0,
      daysToReferralAverage: null,
      daysToReferralMedian: null,
    },
    insurance: {
      byStatus: { submitted: 0, verified: 0, paid: 0, issued: 1, rejected: 0, cancelled: 1 },
      total: 2,
      insuredPersons: 1,
      premiumFen: 5000,
      premiumYuan: 50,
    },
    groups: { planned: 4, sent: 3, dead: 0, pending: 0, cancelled: 1, boundGroups: 1 },
    literacy: [
      { n: 20, x: 4, p: 0.2, low: 0.0807, high: 0.416, tooSmall: true },
      { n: 20, x: 8, p: 0.4, low: 0.2188, high: 0.6134, tooSmall: true },
    ],
    change: { diff: 0.2, low: -0.0819, high: 0.4445, tooSmall: true },
  },
  '370303': {
    residents: { registered: 80, consented: 45 },
    quiz: { participants: 70, participation: 0.875, submissions: 171, averageScore: 73.43 },
    talks: { held: 5, signUps: 25, attended: 20, noShow: 5, noShowRate: 0.2, feedbackCount: 5, feedbackAverage: 4.4 },
    referrals: { total: 4, referredCount: 2, daysToReferralAverage: 7 },
    insurance: { total: 5, insuredPersons: 6, premiumFen: 55000, premiumYuan: 550 },
    groups: { planned: 12, sent: 8, dead: 1, pending: 2, cancelled: 1, boundGroups: 4 },
    literacy: [
      { n: 70, x: 16, p: 0.2286, low: 0.1459, high: 0.3395, tooSmall: false },
      { n: 70, x: 28, p: 0.4, low: 0.2933, high: 0.5171, tooSmall: false },
    ],
    change: { diff: 0.1714, low: 0.0175, high: 0.3148, tooSmall: false },
  },
} as const;

function expectArea(body: any, code: keyof typeof EXPECTED) {
  const e = EXPECTED[code] as any;
  const a = row(body, code);
  expect(a).toBeDefined();
  for (const k of ['residents', 'quiz', 'talks', 'referrals', 'insurance', 'groups']) if (e[k]) expect({ [k]: a[k] }).toMatchObject({ [k]: e[k] });
  expect(a.literacy.rounds).toEqual([
    { contestId: seeded.round1, ...e.literacy[0] },
    { contestId: seeded.round2, ...e.literacy[1] },
  ]);
  expect(a.literacy.latest).toEqual({ contestId: seeded.round2, ...e.literacy[1] });
  expect(a.literacy.change).toEqual({ fromContestId: seeded.round1, toContestId: seeded.round2, ...e.change });
}

describe('yearly report (JSON)', () => {
  test('when the district admin asks for the district, then every figure of the district and of each town matches the hand count', async () => {
    const res = await yearly(district.token, 'year=2026');
    expect(res.status).toBe(200);
    expect(() => yearlyReportResponse().parse(res.body)).not.toThrow();
    expect(res.body.area).toEqual({ code: '370303', name: expect.any(String), level: 'district' });
    expect(res.body.targets.map((x: { value: number }) => x.value)).toEqual([0.22, 0.3, 0.2315]);
    expect(res.body.rounds.map((r: { contestId: string }) => r.contestId)).toEqual([seeded.round1, seeded.round2]);
    expectArea(res.body, '370303');
    expectArea(res.body, TOWN_MS);
    expectArea(res.body, TOWN_ND);
    expect(res.body.areas.map((a: { code: string }) => a.code)).not.toContain(VILLAGE_A); // children only: towns
    expect(res.body.groupsByVillage).toEqual([
      { code: VILLAGE_A, name: '东村', parentName: expect.any(String), boundGroups: 2 },
      { code: VILLAGE_B, name: '西村', parentName: expect.any(String), boundGroups: 1 },
      { code: VILLAGE_C, name: '南村', parentName: expect.any(String), boundGroups: 1 },
    ]);
  });

  test('when a town admin asks, then the report is their town and its villages; another town or the district is refused', async () => {
    const res = await yearly(town.token, 'year=2026');
    expect(res.status).toBe(200);
    expect(res.body.areas.map((a: { code: string }) => a.code)).toEqual([TOWN_MS, VILLAGE_A, VILLAGE_B]);
    expectArea(res.body, TOWN_MS);
    expectArea(res.body, VILLAGE_A);
    expectArea(res.body, VILLAGE_B);
    expect(row(res.body, VILLAGE_A).talks).toMatchObject(EXPECTED[TOWN_MS].talks);
    expect(row(res.body, VILLAGE_B).talks).toMatchObject({ held: 0, signUps: 0, noShowRate: null, feedbackAverage: null });
    expect(JSON.stringify(res.body)).not.toContain(VILLAGE_C);
    for (const qs of ['year=2026&area=370303', `year=2026&area=${TOWN_ND}`, `year=2026&area=${VILLAGE_C}`]) {
      const denied = await yearly(town.token, qs);
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('FORBIDDEN');
    }
  });

  test('when the query is bad, then a clear 400 and nothing is recorded', async () => {
    const before = await AuditLog(t.db).countDocuments({ action: 'report.yearly.generate' });
    for (const qs of ['year=abc', 'year=2026&format=pdf', 'year=2026&area=NOPE', 'year=2026&extra=1']) {
      const res = await yearly(district.token, qs);
      expect(res.status).toBe(400);
      expect(typeof res.body.error.message).toBe('string');
    }
    expect(await AuditLog(t.db).countDocuments({ action: 'report.yearly.generate' })).toBe(before);
  });

  test('when the same report is asked twice, then the figures are the same', async () => {
    const a = await yearly(district.token, 'year=2026');
    const b = await yearly(district.token, 'year=2026');
    expect({ ...b.body, generatedAt: null }).toEqual({ ...a.body, generatedAt: null });
  });
});

describe('yearly report files', () => {
  test('when the XLSX is downloaded, then each section is a sheet with Chinese headers and the same figures as numbers', async () => {
    const f = await file(town.token, 'year=2026&format=xlsx');
    expect(f.status).toBe(200);
    expect(f.type).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(f.bytes as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      '居民登记',
      '健康答题',
      '健康素养水平',
      '健康素养变化（前后对比）',
      '目标线',
      '健康知识阅读收听',
      '讲座与筛查',
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
    const values = (sheet: string) => {
      const rows: unknown[][] = [];
      wb.getWorksheet(sheet)!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
      return rows;
    };
    expect(values('居民登记').slice(0, 4)).toEqual([
      ['地区编码', '地区', '级别', '登记居民', '同意隐私条款'],
      [TOWN_MS, expect.any(String), '街道', 60, 40],
      [VILLAGE_A, '东村', '村', 50, 30],
      [VILLAGE_B, '西村', '村', 10, 10],
    ]);
    expect(values('健康答题')[1]).toEqual([TOWN_MS, expect.any(String), 50, 0.8333, 121, 72.58]);
    expect(wb.getWorksheet('健康答题')!.getCell('D2').numFmt).toBe('0.00%');
    const lit = values('健康素养水平');
    expect(lit[0]).toEqual(['地区编码', '地区', '测评轮次', '参测人数', '具备素养人数', '素养水平', '95%区间下限', '95%区间上限', '样本不足（<30）']);
    expect(lit[1]).toEqual([TOWN_MS, expect.any(String), '2026年春季健康素养测评', 50, 12, 0.24, 0.143, 0.3741, '否']);
    expect(lit[6]).toEqual([VILLAGE_B, '西村', '2026年秋季健康素养测评', 10, 4, 0.4, 0.1682, 0.6873, '是']);
    expect(values('健康素养变化（前后对比）')[1]).toEqual([
      TOWN_MS,
      expect.any(String),
      '2026年春季健康素养测评',
      '2026年秋季健康素养测评',
      0.16,
      -0.0226,
      0.3288,
      '否',
    ]);
    expect(wb.getWorksheet('讲座与筛查')!.getCell('L2').numFmt).toBe('0.00%');
    expect(values('讲座与筛查')[1]).toEqual([TOWN_MS, expect.any(String), 2, 1, 0, 0, 0, 3, 19, 14, 5, 0.2632, 3, 4]);
    expect(values('唇腭裂救助转介')[1]).toEqual([TOWN_MS, expect.any(String), 1, 0, 1, 0, 1, 0, 0, 3, 2, 7, 7]);
    expect(values('家庭意外保险')[1]).toEqual([TOWN_MS, expect.any(String), 1, 0, 1, 1, 0, 0, 3, 5, 500]);
    expect(values('村群消息')[1]).toEqual([TOWN_MS, expect.any(String), 8, 5, 1, 2, 0, 3]);
    expect(values('各村居绑定群').slice(1)).toEqual([
      [VILLAGE_A, '东村', expect.any(String), 2],
      [VILLAGE_B, '西村', expect.any(String), 1],
    ]);
  });

  test('when the DOCX is downloaded, then word/document.xml holds the title, overview, each section table, the literacy figures and the 典型', async () => {
    const f = await file(district.token, 'year=2026&format=docx');
    expect(f.status).toBe(200);
    expect(f.type).toContain('wordprocessingml');
    const zip = await JSZip.loadAsync(f.bytes);
    const xml = await zip.file('word/document.xml')!.async('string');
    const text = xml.replace(/<w:tab\/>/g, '\t').replace(/<[^>]+>/g, '');
    expect(text).toContain('2026年度家庭健康行动工作总结');
    expect(text).toContain('共登记居民 80 人，其中 45 人同意隐私条款');
    expect(text).toContain('70 名居民参加健康答题（参与率 87.50%），平均分 73.43');
    expect(text).toContain('最近一轮健康素养测评参测 70 人，素养水平 40.00%（95%区间 29.33%–51.71%）');
    expect(text).toContain('举办讲座、筛查等活动 5 场，报名 25 人次，签到 20 人次');
    expect(text).toContain('保费 550 元');
    for (const h of [
      '居民登记',
      '健康答题',
      '健康素养水平',
      '健康素养变化（前后对比）',
      '目标线',
      '健康知识阅读收听',
      '讲座与筛查',
      '唇腭裂救助转介',
      '家庭意外保险',
      '筛查结果与随访',
      '村群消息',
      '各村居绑定群',
      '优生优育咨询',
      '群众诉求',
      '任务书完成情况与督导整改',
      '典型案例',
    ])
      expect(text).toContain(h);
    expect((xml.match(/<w:tbl>/g) ?? []).length).toBe(16); // fifteen sections and the sign-off
    // One table row per town under the district: its cells in order (names; codes stay in the workbook).
    const rowsXml = (xml.match(/<w:tr>.*?<\/w:tr>/g) ?? []).map((r) =>
      r
        .replace(/<[^>]+>/g, '|')
        .split('|')
        .filter(Boolean),
    );
    expect(rowsXml).toContainEqual(['马尚街道', '2026年秋季健康素养测评', '50', '20', '40.00%', '27.61%', '53.82%', '否']);
    expect(rowsXml).toContainEqual(['南定镇', '0', '0', '1', '1', '0', '2', '6', '6', '0', '0.00%', '2', '5']);
    expect(rowsXml).toContainEqual(['区目标（2030年）', '30.00%']);
    expect(rowsXml).toContainEqual(['全国水平（2020年）', '23.15%']);
  });

  test('when reports are generated, then each is audited with its format and the first one per area is remembered', async () => {
    const before = await AuditLog(t.db).find({ action: 'report.yearly.generate', actorId: town.id }).lean();
    await yearly(town.token, 'year=2026');
    await file(town.token, 'year=2026&format=docx');
    const after = await AuditLog(t.db).find({ action: 'report.yearly.generate', actorId: town.id }).sort({ _id: 1 }).lean();
    expect(after).toHaveLength(before.length + 2);
    expect(after.slice(-2).map((a) => [a.targetId, a.details])).toEqual([
      [TOWN_MS, { year: 2026, format: 'json' }],
      [TOWN_MS, { year: 2026, format: 'docx' }],
    ]);
  });
});

describe('practice never counts', () => {
  test('when residents practise (topic, wrong book) or take ordinary contests with full marks, then the literacy level does not move', async () => {
    const before = row((await yearly(district.token, 'year=2026')).body, '370303').literacy;
    const extra = seeded.ids[VILLAGE_A]!.slice(40, 50).flatMap((r) =>
      ['topic', 'wrongbook', 'daily', 'contest'].map((mode) => ({
        residentId: r,
        mode,
        day: '2026-11-01',
        areaPath: PATH[VILLAGE_A],
        results: [],
        correct: 10,
        total: 10,
        score: 100,
        passed: true,
        durationMs: 60_000,
        tooFast: false,
        submittedAt: new Date('2026-11-01T02:00:00Z'),
      })),
    );
    await Submissions(t.db).insertMany(extra);
    // And a real topic practice through the API, submitted with every answer right.
    const { token } = await residentLogin(t, 'rep-practice', { village: VILLAGE_A });
    const { seedQuestionBank, rightAnswers } = await import('../helpers/quiz');
    await seedQuestionBank(t.app);
    const p = await t.request('POST', '/api/v1/quiz/practice', { token, body: { topic: 'hl66-2024' } });
    expect(p.status).toBe(201);
    const s = await t.request('POST', `/api/v1/quiz/attempts/${p.body.id}/submit`, { token, body: { answers: await rightAnswers(t, p.body.id) } });
    expect(s.body.score).toBe(100);
    const after = row((await yearly(district.token, 'year=2026')).body, '370303').literacy;
    expect(after).toEqual(before);
  });
});

describe('the headline literacy level', () => {
  test("when one town holds its own literacy round, then it is the town's latest level but the district's level stays that of its district-wide rounds", async () => {
    const before = row((await yearly(district.token, 'year=2026')).body, '370303').literacy;
    const round = new Types.ObjectId();
    const at = (iso: string) => new Date(`${iso}+08:00`);
    await Contests(t.db).insertMany([
      {
        _id: round,
        kind: 'assessment',
        title: '马尚街道健康素养测评',
        startAt: at('2026-11-10T00:00:00'),
        endAt: at('2026-11-20T00:00:00'),
        areaCode: TOWN_MS,
        areaPath: ['370303', TOWN_MS],
        drawRules: [],
        timeLimitSec: 1800,
        attemptsPerDay: 1,
        attemptsTotal: 1,
        passScore: 80,
        status: 'closed',
        createdBy: 'seed',
        createdAt: at('2026-11-10T00:00:00'),
        updatedAt: at('2026-11-20T00:00:00'),
      },
    ]);
    await Submissions(t.db).insertMany(
      seeded.ids[VILLAGE_A]!.slice(0, 10).map((r) => ({
        residentId: r,
        mode: 'contest',
        contestId: round,
        day: '2026-11-12',
        areaPath: PATH[VILLAGE_A],
        villageCode: VILLAGE_A,
        results: [],
        correct: 10,
        total: 10,
        score: 100,
        passed: true,
        durationMs: 60_000,
        tooFast: false,
        submittedAt: at('2026-11-12T09:00:00'),
      })),
    );
    await rebuildQuizFigures(t.app, { again: true });
    const body = (await yearly(district.token, 'year=2026')).body;
    const d = row(body, '370303').literacy;
    expect(d.rounds.map((x: { contestId: string }) => x.contestId)).toEqual([seeded.round1, seeded.round2, String(round)]);
    expect(d.rounds[2]).toMatchObject({ n: 10, x: 10 });
    expect(d.latest).toEqual(before.latest);
    expect(d.latest.contestId).toBe(seeded.round2);
    expect(d.change).toEqual(before.change);
    expect(row(body, TOWN_MS).literacy.latest).toMatchObject({ contestId: String(round), n: 10, x: 10 });
  });
});
