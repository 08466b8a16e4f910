import ExcelJS from 'exceljs';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Questions, QuestionVersions } from '../../src/modules/quiz/quiz.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS } from '../helpers/fixtures';
import { districtAdmin, rightAnswers, seedQuestionBank } from '../helpers/quiz';

// Many requests per test against a shared FerretDB: allow for a busy machine.
jest.setTimeout(30_000);

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  admin = (await districtAdmin(t)).token;
});
afterAll(() => t.close());

const q = (key: string, extra: Record<string, unknown> = {}) => ({
  key,
  type: 'single',
  stem: '成年人每天食盐摄入量不宜超过多少克？',
  options: [
    { key: 'A', text: '5克' },
    { key: 'B', text: '10克' },
    { key: 'C', text: '15克' },
  ],
  answer: ['A'],
  explanation: '少吃盐能预防高血压，每人每天不超过5克。',
  topics: ['三减四健'],
  difficulty: 1,
  ...extra,
});

describe('seeding the shipped bank', () => {
  test('when the bank is seeded, then items 1–66 of the 2024 edition are all covered and there are at least 200 questions', async () => {
    const first = await seedQuestionBank(t.app);
    expect(first).toEqual({ created: 250, updated: 0, unchanged: 0 });
    const items = (await Questions(t.db).distinct('item', { bank: 'hl66-2024' })) as number[];
    expect(items.sort((a, b) => a - b)).toEqual(Array.from({ length: 66 }, (_, i) => i + 1));
    expect(await Questions(t.db).countDocuments()).toBeGreaterThanOrEqual(200);
    expect(await Questions(t.db).countDocuments({ tags: '传染病防治法' })).toBeGreaterThan(0);
  });

  test('when it is seeded again, then nothing changes', async () => {
    const before = await Questions(t.db).find().sort({ key: 1 }).lean();
    const versions = await QuestionVersions(t.db).countDocuments();
    expect(await seedQuestionBank(t.app)).toEqual({ created: 0, updated: 0, unchanged: 250 });
    expect(await Questions(t.db).find().sort({ key: 1 }).lean()).toEqual(before);
    expect(await QuestionVersions(t.db).countDocuments()).toBe(versions);
  });
});

describe('staff editing', () => {
  test('when a question is edited after an attempt drew it, then the old attempt is still scored and explained with the old version', async () => {
    await t.request('POST', '/api/admin/v1/quiz/questions', { token: admin, body: q('edit-1', { topics: ['编辑专题'] }) });
    const { token } = await residentLogin(t, 'versions');
    const p = await t.request('POST', '/api/v1/quiz/practice', { token, body: { topic: '编辑专题', count: 1 } });
    expect(p.status).toBe(201);
    const answers = await rightAnswers(t, p.body.id);
    const stored = await Questions(t.db).findOne({ key: 'edit-1' }).lean();
    const edit = await t.request('PATCH', `/api/admin/v1/quiz/questions/${String(stored!._id)}`, {
      token: admin,
      body: {
        options: [
          { key: 'A', text: '3克' },
          { key: 'B', text: '6克' },
        ],
        answer: ['B'],
        explanation: '新版解析：每天不超过5克，约一啤酒瓶盖。',
      },
    });
    expect(edit.status).toBe(200);
    expect(edit.body.version).toBe(2);
    t.clock.advance(10_000);
    const res = await t.request('POST', `/api/v1/quiz/attempts/${p.body.id}/submit`, { token, body: { answers } });
    expect(res.body.correct).toBe(1);
    expect(res.body.items[0].explanation).toBe('少吃盐能预防高血压，每人每天不超过5克。');
    expect(res.body.items[0].options.map((o: { text: string }) => o.text).sort()).toEqual(['10克', '15克', '5克']);
    const detail = await t.request('GET', `/api/admin/v1/quiz/questions/${String(stored!._id)}`, { token: admin });
    expect(detail.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(await AuditLog(t.db).countDocuments({ action: { $in: ['quiz.question.create', 'quiz.question.update'] }, targetId: String(stored!._id) })).toBe(2);
  });

  test('when a question is retired, then it is no longer drawn', async () => {
    const created = await t.request('POST', '/api/admin/v1/quiz/questions', { token: admin, body: q('retire-1', { topics: ['退休专题'] }) });
    await t.request('PATCH', `/api/admin/v1/quiz/questions/${created.body.id}`, { token: admin, body: { active: false } });
    const { token } = await residentLogin(t, 'retired');
    const p = await t.request('POST', '/api/v1/quiz/practice', { token, body: { topic: '退休专题' } });
    expect(p.body.error.code).toBe('NO_QUESTIONS');
  });

  test.each([
    ['an answer not among the options', { answer: ['D'] }, 'answer'],
    ['two answers for a single-choice question', { answer: ['A', 'B'] }, 'answer'],
    ['one option only', { options: [{ key: 'A', text: '5克' }] }, 'options'],
    ['an unknown field', { secret: 1 }, ''],
  ])('when a question has %s, then 400 and nothing is stored', async (_what, extra, path) => {
    const res = await t.request('POST', '/api/admin/v1/quiz/questions', { token: admin, body: q('bad-q', extra) });
    expect(res.status).toBe(400);
    if (path) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await Questions(t.db).countDocuments({ key: 'bad-q' })).toBe(0);
  });

  test('when a town admin or a duplicate key tries to create, then 403 / 409', async () => {
    const town = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
    expect((await t.request('POST', '/api/admin/v1/quiz/questions', { token: town, body: q('town-q') })).status).toBe(403);
    expect((await t.request('POST', '/api/admin/v1/quiz/questions', { token: admin, body: q('edit-1') })).body.error.code).toBe('QUESTION_KEY_TAKEN');
    const { token } = await residentLogin(t, 'res-admin');
    expect((await t.request('GET', '/api/admin/v1/quiz/questions', { token })).status).toBe(401);
  });
});

describe('import and export', () => {
  test('when a CSV has one bad row among good ones, then the report names the row and nothing is imported', async () => {
    const csv = [
      'key,type,stem,A,B,C,D,E,F,answer,explanation,topics,bank,item,part,difficulty,active',
      'imp-1,single,饭前便后要洗手吗？,要,不要,,,,,A,洗手能防病从口入。,传染病防治法,,,,1,1',
      'imp-2,multi,哪些是三减？,减盐,减油,减糖,,,,ABC,三减是减盐减油减糖。,三减四健,,,,2,1',
      'imp-3,single,题干,甲,乙,,,,,C,解析文字,,,,,1,1',
    ].join('\n');
    const res = await t.request('POST', '/api/admin/v1/quiz/questions/import', { token: admin, body: { format: 'csv', content: csv } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('IMPORT_INVALID');
    expect(res.body.error.details.errors).toEqual([{ row: 4, field: 'answer', message: '答案不在选项中' }]);
    expect(await Questions(t.db).countDocuments({ key: /^imp-/ })).toBe(0);
  });

  test('when a JSON file repeats a key, then both rows are named and nothing is imported', async () => {
    const res = await t.request('POST', '/api/admin/v1/quiz/questions/import', {
      token: admin,
      body: { format: 'json', content: JSON.stringify([q('dup-1'), q('dup-1')]) },
    });
    expect(res.body.error.details.errors).toEqual([{ row: 2, field: 'key', message: '编号 dup-1 与第 1 行重复' }]);
    expect(await Questions(t.db).countDocuments({ key: 'dup-1' })).toBe(0);
  });

  test('when a valid CSV is imported, then new questions are created, changed ones versioned, and the import is audited', async () => {
    const csv =
      'key,type,stem,A,B,answer,explanation,topics,difficulty\nimp-ok,judge,吸烟有害健康。,对,错,A,吸烟会引起多种癌症。,控烟,1\nedit-1,single,成年人每天食盐不超过？,5克,10克,A,每天不超过5克。,三减四健,1';
    const res = await t.request('POST', '/api/admin/v1/quiz/questions/import', { token: admin, body: { format: 'csv', content: csv } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ rows: 2, created: 1, updated: 1, unchanged: 0 });
    expect((await Questions(t.db).findOne({ key: 'edit-1' }).lean())?.version).toBe(3);
    expect(await AuditLog(t.db).countDocuments({ action: 'quiz.question.import' })).toBe(1);
  });

  test('when the bank is exported as XLSX and imported back, then nothing changes', async () => {
    const res = await fetch(`${t.url}/api/admin/v1/quiz/questions/export?format=xlsx`, { headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(200);
    const buf = Buffer.from(await res.arrayBuffer());
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    const total = await Questions(t.db).countDocuments();
    expect(wb.worksheets[0]!.rowCount).toBe(total + 1);
    const back = await t.request('POST', '/api/admin/v1/quiz/questions/import', { token: admin, body: { format: 'xlsx', content: buf.toString('base64') } });
    expect(back.body).toEqual({ rows: total, created: 0, updated: 0, unchanged: total });
  });

  test('when exported as JSON and CSV, then the files re-import unchanged and each export is audited', async () => {
    const before = await AuditLog(t.db).countDocuments({ action: 'quiz.question.export' });
    for (const format of ['json', 'csv'] as const) {
      const res = await t.request('GET', `/api/admin/v1/quiz/questions/export?format=${format}`, { token: admin });
      expect(res.status).toBe(200);
      const content = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
      const back = await t.request('POST', '/api/admin/v1/quiz/questions/import', { token: admin, body: { format, content } });
      expect(back.body.updated).toBe(0);
      expect(back.body.created).toBe(0);
    }
    expect(await AuditLog(t.db).countDocuments({ action: 'quiz.question.export' })).toBe(before + 2);
  });
});

test('when the OpenAPI document is read, then the quiz routes are in it', async () => {
  const doc = await t.request('GET', '/api/openapi.json');
  for (const p of [
    '/api/v1/quiz/daily',
    '/api/v1/quiz/contests/{id}/attempts',
    '/api/v1/quiz/attempts/{id}/submit',
    '/api/v1/quiz/wrong-book',
    '/api/v1/quiz/contests/{id}/leaderboard',
    '/api/v1/certificates/{code}',
    '/api/admin/v1/quiz/questions/import',
  ]) {
    expect(Object.keys(doc.body.paths)).toContain(p);
  }
});
