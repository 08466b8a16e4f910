import ExcelJS from 'exceljs';
import type { Caller, StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { screeningConsent, screeningLevel, screeningProgramme } from '../../dictionaries';
import { AppError } from '../../http/errors';
import { cellText, firstSheet } from '../../lib/xlsx';
import { codeBooks, programmesOf } from './screenings.codes';
import type { Programme } from './screenings.model';
import { entryContext, entryProblem, participants, storeResult, type ResultInput } from './screenings.service';

const NO = '编号';
const NAME = '姓名';
const VILLAGE = '村（社区）';
const REMARK = '备注';

/** Most rows a file may hold (a session's attendance list). */
export const RESULT_IMPORT_MAX_ROWS = 1000;

interface RowError {
  row: number;
  field: string;
  message: string;
}

/**
 * The hospital's sheet: one row per participant who consented and came (编号 as on the attendance list, name
 * masked), a column per test of the session's programmes, filled with a code or its words; a second sheet lists
 * the codes.
 */
export async function resultTemplate(app: AppContext, staff: StaffPrincipal, talkId: string): Promise<Buffer> {
  const list = await participants(app, staff, talkId);
  const books = await codeBooks(app);
  const programmes = list.programmes.map((p) => p.programme);
  const tests = programmes.flatMap((p) => (books.get(p) ?? []).map((t) => ({ programme: p, ...t })));
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('检查结果');
  ws.columns = [
    { header: NO, width: 8 },
    { header: NAME, width: 12 },
    { header: VILLAGE, width: 14 },
    ...tests.map((t) => ({ header: t.label, width: 22 })),
    { header: REMARK, width: 30 },
  ];
  ws.getRow(1).font = { bold: true };
  for (const p of list.items) if (p.attended && p.consent === 'given') ws.addRow([p.no, p.nameMasked, p.village]);
  const codes = wb.addWorksheet('结果代码');
  codes.columns = [
    { header: '检查项目', width: 22 },
    { header: '代码', width: 14 },
    { header: '含义', width: 30 },
    { header: '判断', width: 10 },
  ];
  codes.getRow(1).font = { bold: true };
  for (const t of tests) for (const c of t.codes) codes.addRow([t.label, c.code, c.label, screeningLevel.label(c.level)]);
  codes.addRow([]);
  codes.addRow([
    `填写说明：在“检查结果”表每行填一位到场的居民，编号与签到名单一致；每项检查填代码或含义，没做的项目留空。只列出了${screeningConsent.labels.given}的居民，其他人的结果只给纸质报告。有一行出错则整表不导入。`,
  ]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

type Column = { kind: 'no' | 'remark' | 'skip' } | { kind: 'test'; programme: Programme; test: string; label: string };

/**
 * Import a session's results from the template: every row is checked first; any error imports nothing and the
 * errors come back by row. A row without any code is skipped (a participant whose results are not in yet).
 */
export async function importResults(app: AppContext, caller: Caller, talkId: string, content: string) {
  const ctx = await entryContext(app, caller.staff, talkId);
  const programmes = programmesOf(ctx.talk.kind);
  const errors: RowError[] = [];
  const sheet = await firstSheet(content);
  if ('error' in sheet) throw invalid([{ row: 0, field: '', message: sheet.error }]);
  const { ws } = sheet;
  const byLabel = new Map<string, Column>([
    [NO, { kind: 'no' }],
    [REMARK, { kind: 'remark' }],
    [NAME, { kind: 'skip' }],
    [VILLAGE, { kind: 'skip' }],
  ]);
  for (const p of programmes)
    for (const t of ctx.books.get(p) ?? []) {
      byLabel.set(t.label, { kind: 'test', programme: p, test: t.test, label: t.label });
      byLabel.set(t.test, { kind: 'test', programme: p, test: t.test, label: t.label });
    }
  const header = Array.from(ws.getRow(1).values as unknown[], (v) => cellText(v).trim());
  const columns = header.map((h) => (h ? (byLabel.get(h) ?? null) : null));
  header.forEach((h, i) => {
    if (h && !columns[i]) errors.push({ row: 1, field: h, message: `表头“${h}”不是本次活动的检查项目` });
  });
  if (!columns.some((c) => c?.kind === 'no')) errors.push({ row: 1, field: NO, message: '第 1 行应为表头，缺少“编号”' });
  if (errors.length) throw invalid(errors);

  const byNo = [...ctx.roster.values()];
  const planned: Array<{ row: number; residentId: string; input: ResultInput }> = [];
  const seenNo = new Map<number, number>();
  let rowCount = 0;
  ws.eachRow((r, n) => {
    if (n === 1) return;
    const cells = r.values as unknown[];
    const text = (i: number) => cellText(cells[i]).trim();
    const perProgramme = new Map<Programme, ResultInput>();
    let no = '';
    let remark = '';
    columns.forEach((c, i) => {
      if (!c) return;
      if (c.kind === 'no') no = text(i);
      else if (c.kind === 'remark') remark = text(i);
      else if (c.kind === 'test' && text(i)) {
        const input = perProgramme.get(c.programme) ?? { programme: c.programme, items: [] };
        input.items.push({ test: c.test, code: text(i) });
        perProgramme.set(c.programme, input);
      }
    });
    if (!perProgramme.size) return;
    rowCount++;
    const fail = (field: string, message: string) => errors.push({ row: n, field, message });
    const num = Number(no);
    if (!/^\d+$/.test(no) || !byNo[num - 1]) return fail(NO, `编号“${no || '(空)'}”不在签到名单上`);
    if (seenNo.has(num)) return fail(NO, `编号 ${num} 与第 ${seenNo.get(num)} 行重复`);
    seenNo.set(num, n);
    const residentId = String(byNo[num - 1]!.residentId);
    for (const input of perProgramme.values()) {
      if (remark) input.remark = remark.slice(0, 200);
      const problem = entryProblem(ctx, residentId, input);
      if (problem) {
        const item = /^items\.(\d+)/.exec(problem.path);
        const test = item ? columns.find((c) => c?.kind === 'test' && c.test === input.items[Number(item[1])]!.test) : undefined;
        fail(test && test.kind === 'test' ? test.label : NO, problem.message);
      } else planned.push({ row: n, residentId, input });
    }
  });
  if (!rowCount && !errors.length) errors.push({ row: 0, field: '', message: '没有可导入的结果' });
  if (rowCount > RESULT_IMPORT_MAX_ROWS) errors.push({ row: 0, field: '', message: `一次最多导入 ${RESULT_IMPORT_MAX_ROWS} 行` });
  if (errors.length) throw invalid(errors);

  let cases = 0;
  for (const p of planned) {
    const r = await storeResult(app, caller, ctx, p.residentId, p.input);
    if (r.caseId) cases++;
  }
  await caller.audit('screening.results_import', { type: 'talk', id: String(ctx.talk._id) }, { results: planned.length, rows: rowCount });
  return {
    imported: planned.length,
    rows: rowCount,
    byProgramme: programmes.map((p) => ({ programme: p, label: screeningProgramme.labels[p], count: planned.filter((x) => x.input.programme === p).length })),
    followUps: cases,
  };
}

const invalid = (errors: RowError[]) => new AppError('IMPORT_INVALID', 400, '导入文件有错误，未导入任何结果', { errors: errors.sort((a, b) => a.row - b.row) });
