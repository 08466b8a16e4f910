import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import Papa from 'papaparse';
import type { Caller } from '../../access';
import type { AppContext } from '../../context';
import { AppError, notFound, zodDetails } from '../../http/errors';
import { findPage, type PageQuery } from '../../lib/pagination';
import { escapeRegex } from '../../lib/regex';
import { fullQuestionView, QuestionInput, upsertQuestion, upsertQuestions } from './bank.service';
import { Questions, QuestionVersions, type QuestionType } from './quiz.model';
import { LETTERS } from './quiz.rules';

/** The bank, newest first: by tag, type, retired or not, and words of the stem or the key. */
export async function listQuestions(app: AppContext, q: PageQuery & { tag?: string; type?: QuestionType; active?: boolean; q?: string }) {
  const filter: Record<string, unknown> = {
    ...(q.tag ? { tags: q.tag } : {}),
    ...(q.type ? { type: q.type } : {}),
    ...(q.active !== undefined ? { active: q.active } : {}),
    ...(q.q ? { $or: [{ stem: { $regex: escapeRegex(q.q) } }, { key: q.q }] } : {}),
  };
  return findPage(Questions(app.db), filter, q, (rows) => rows.map(fullQuestionView));
}

async function byId(app: AppContext, id: string) {
  const q = Types.ObjectId.isValid(id) ? await Questions(app.db).findById(id).lean() : null;
  if (!q) throw notFound('题目');
  return q;
}

export async function getQuestion(app: AppContext, id: string) {
  const q = await byId(app, id);
  const versions = await QuestionVersions(app.db).find({ questionId: q._id }, { version: 1, createdAt: 1 }).sort({ version: 1 }).lean();
  return { ...fullQuestionView(q), versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt.toISOString() })) };
}

export async function createQuestion(app: AppContext, caller: Caller, input: QuestionInput) {
  if (await Questions(app.db).exists({ key: input.key })) throw new AppError('QUESTION_KEY_TAKEN', 409, `编号 ${input.key} 已存在`);
  const { question } = await upsertQuestion(app, input);
  await caller.audit('quiz.question.create', { type: 'quiz-question', id: String(question._id) }, { key: input.key });
  return fullQuestionView(question);
}

/** An edit is a whole new version (the key cannot change); old attempts keep theirs. */
export async function editQuestion(app: AppContext, caller: Caller, id: string, patch: Record<string, unknown>) {
  const q = await byId(app, id);
  const current = fullQuestionView(q);
  const merged = Object.fromEntries(
    Object.entries({ ...current, ...patch, key: q.key }).filter(([k, v]) => v !== null && !['id', 'version', 'updatedAt'].includes(k)),
  );
  const parsed = QuestionInput.safeParse(merged);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', 400, '提交的内容不正确', zodDetails(parsed.error));
  const { outcome, question } = await upsertQuestion(app, parsed.data);
  await caller.audit('quiz.question.update', { type: 'quiz-question', id }, { fields: Object.keys(patch), outcome, version: question.version });
  return fullQuestionView(question);
}

// ---- import / export ----

const COLUMNS = ['key', 'type', 'stem', ...LETTERS, 'answer', 'explanation', 'topics', 'bank', 'item', 'part', 'difficulty', 'active'] as const;
type Row = Partial<Record<(typeof COLUMNS)[number], string>>;

/** A flat row (CSV/XLSX) → the question shape; empty cells are absent. */
function fromRow(r: Row): Record<string, unknown> {
  const s = (v: string | undefined) => (v ?? '').toString().trim();
  const num = (v: string | undefined) => (s(v) === '' ? undefined : Number(s(v)));
  return Object.fromEntries(
    Object.entries({
      key: s(r.key),
      type: s(r.type),
      stem: s(r.stem),
      options: LETTERS.filter((l) => s(r[l]) !== '').map((l) => ({ key: l, text: s(r[l]) })),
      answer: s(r.answer)
        .toUpperCase()
        .split(/[\s,，|]*/)
        .filter(Boolean),
      explanation: s(r.explanation),
      topics: s(r.topics)
        ? s(r.topics)
            .split('|')
            .map((t) => t.trim())
            .filter(Boolean)
        : [],
      bank: s(r.bank) || undefined,
      item: num(r.item),
      part: s(r.part) || undefined,
      difficulty: num(r.difficulty),
      active: s(r.active) === '' ? undefined : !['0', 'false', '否'].includes(s(r.active).toLowerCase()),
    }).filter(([, v]) => v !== undefined),
  );
}

async function readRows(format: 'json' | 'csv' | 'xlsx', content: string): Promise<{ rows: unknown[]; first: number }> {
  const bad = (message: string) => new AppError('IMPORT_INVALID', 400, '导入文件有错误，未导入任何内容', { errors: [{ row: 0, field: '', message }] });
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(content);
    } catch {
      throw bad('不是有效的 JSON');
    }
    if (!Array.isArray(data)) throw bad('应为数组');
    return { rows: data, first: 1 };
  }
  if (format === 'csv') {
    const parsed = Papa.parse<Row>(content.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true, transformHeader: (h) => h.trim() });
    if (parsed.errors.length) throw bad(`第 ${(parsed.errors[0]!.row ?? 0) + 2} 行：${parsed.errors[0]!.message}`);
    return { rows: parsed.data.map(fromRow), first: 2 };
  }
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(content, 'base64') as unknown as ArrayBuffer);
  } catch {
    throw bad('不是有效的 XLSX 文件');
  }
  const ws = wb.worksheets[0];
  if (!ws) throw bad('XLSX 文件没有工作表');
  // row.values is 1-based and sparse; Array.from fills the holes.
  const header = Array.from(ws.getRow(1).values as unknown[], (v) => String(v ?? '').trim());
  const rows: Row[] = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    const values = row.values as unknown[];
    rows.push(Object.fromEntries(header.flatMap((h, i) => (h ? [[h, values[i] === undefined || values[i] === null ? '' : String(values[i])]] : []))) as Row);
  });
  return { rows: rows.map(fromRow), first: 2 };
}

/**
 * All-or-nothing: every row is validated (and keys checked for repeats) before anything is written; the report
 * names row numbers (CSV/XLSX count the header as row 1).
 */
export async function importQuestions(app: AppContext, caller: Caller, format: 'json' | 'csv' | 'xlsx', content: string) {
  const { rows, first } = await readRows(format, content);
  const errors: { row: number; field: string; message: string }[] = [];
  if (rows.length === 0) errors.push({ row: 0, field: '', message: '没有可导入的行' });
  if (rows.length > 2000) errors.push({ row: 0, field: '', message: '一次最多导入 2000 题' });
  const seen = new Map<string, number>();
  const valid: QuestionInput[] = [];
  rows.forEach((raw, i) => {
    const row = i + first;
    const parsed = QuestionInput.safeParse(raw);
    if (!parsed.success) {
      for (const d of zodDetails(parsed.error)) errors.push({ row, field: d.path, message: d.message });
      return;
    }
    const prev = seen.get(parsed.data.key);
    if (prev !== undefined) errors.push({ row, field: 'key', message: `编号 ${parsed.data.key} 与第 ${prev} 行重复` });
    seen.set(parsed.data.key, row);
    valid.push(parsed.data);
  });
  if (errors.length) throw new AppError('IMPORT_INVALID', 400, '导入文件有错误，未导入任何内容', { errors });
  const counts = await upsertQuestions(app, valid);
  await caller.audit('quiz.question.import', { type: 'quiz-question', id: '*' }, { format, rows: valid.length, ...counts });
  return { rows: valid.length, ...counts };
}

export async function exportQuestions(
  app: AppContext,
  caller: Caller,
  format: 'json' | 'csv' | 'xlsx',
): Promise<{ body: string | Buffer; contentType: string; filename: string }> {
  const qs = (await Questions(app.db).find({}).sort({ key: 1 }).lean()).map(fullQuestionView);
  await caller.audit('quiz.question.export', { type: 'quiz-question', id: '*' }, { format, count: qs.length });
  const input = qs.map(
    ({ id, version, updatedAt, ...q }) => (void id, void version, void updatedAt, Object.fromEntries(Object.entries(q).filter(([, v]) => v !== null))),
  );
  if (format === 'json') return { body: JSON.stringify(input, null, 2), contentType: 'application/json; charset=utf-8', filename: 'questions.json' };
  const flat = qs.map((q) => ({
    key: q.key,
    type: q.type,
    stem: q.stem,
    ...Object.fromEntries(LETTERS.map((l) => [l, q.options.find((o) => o.key === l)?.text ?? ''])),
    answer: q.answer.join(''),
    explanation: q.explanation,
    topics: q.topics.join('|'),
    bank: q.bank ?? '',
    item: q.item ?? '',
    part: q.part ?? '',
    difficulty: q.difficulty,
    active: q.active ? '1' : '0',
  }));
  if (format === 'csv')
    return { body: '\uFEFF' + Papa.unparse(flat, { columns: [...COLUMNS] }), contentType: 'text/csv; charset=utf-8', filename: 'questions.csv' };
  return {
    body: await toXlsx('题库', [...COLUMNS], flat),
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    filename: 'questions.xlsx',
  };
}

export async function toXlsx(sheet: string, columns: string[], rows: Record<string, unknown>[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheet);
  ws.addRow(columns);
  for (const r of rows) ws.addRow(columns.map((c) => r[c] ?? ''));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
