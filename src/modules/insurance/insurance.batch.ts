import { type Caller, inScope, type StaffPrincipal } from '../../access';
import { ID_INDEX } from './insurance.keys';
import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { AppError } from '../../http/errors';
import { checkIdCard, ID_MESSAGES } from '../../lib/idcard';
import { maskIdCard } from '../../lib/pii';
import { EnrolmentKeys, Enrolments, type ProductDoc } from './insurance.model';
import { ENROLMENT_LABELS } from './insurance.validation';

/** The policy-number file: one row per insured person, as the insurer sends it back. */
const POLICY_COLUMNS = [
  { header: '被保险人姓名', key: 'name', width: 14 },
  { header: '证件号码', key: 'idCard', width: 22 },
  { header: '保单号', key: 'policyNo', width: 24 },
] as const;
const MAX_IMPORT_ROWS = 2000;

type Move = (id: Types.ObjectId, to: 'verified' | 'issued', extra: { policyNo?: string; note?: string }) => Promise<unknown>;

/**
 * Verify many submitted enrolments at once. Each is its own workflow move (one may fail while the others apply:
 * a concurrent change, or a status that moved meanwhile); the reply says what happened to each.
 */
export async function batchVerify(app: AppContext, staff: StaffPrincipal, ids: string[], move: Move) {
  const rows = await Enrolments(app.db)
    .find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { status: 1, areaPath: 1 })
    .lean();
  const byId = new Map(rows.map((r) => [String(r._id), r]));
  const results: Array<{ id: string; ok: boolean; status: string | null; message: string | null }> = [];
  for (const id of new Set(ids)) {
    const e = byId.get(id);
    // Missing and out of scope answer alike: nothing about other areas leaks.
    if (!e || !inScope(staff, e.areaPath)) {
      results.push({ id, ok: false, status: null, message: '投保记录不存在' });
      continue;
    }
    try {
      await move(e._id, 'verified', {});
      results.push({ id, ok: true, status: 'verified', message: null });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      results.push({ id, ok: false, status: e.status, message: err.message });
    }
  }
  return { verified: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, results };
}

/** The empty template staff download, fill from the insurer's reply and import. */
export async function policyTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('保单号');
  ws.columns = POLICY_COLUMNS.map((c) => ({ ...c }));
  ws.getRow(1).font = { bold: true };
  const notes = wb.addWorksheet('填写说明');
  for (const line of [
    '每行一位被保险人：姓名、18 位身份证号、保险公司出具的保单号。',
    '同一份投保（一户）的被保险人保单号应相同。',
    '只有“已缴费”的投保可以导入保单号；导入后状态变为“已出单”。',
    '任何一行有错误时整个文件都不会导入，请按页面提示改正后重新上传。',
  ])
    notes.addRow([line]);
  notes.getColumn(1).width = 70;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export interface RowError {
  row: number;
  field: 'name' | 'idCard' | 'policyNo' | 'file';
  message: string;
}

const cellText = (v: ExcelJS.CellValue): string => {
  if (v == null) return '';
  if (typeof v === 'object') {
    if ('text' in v && typeof v.text === 'string') return v.text.trim();
    if ('result' in v) return String(v.result ?? '').trim();
    if ('richText' in v)
      return v.richText
        .map((t) => t.text)
        .join('')
        .trim();
  }
  return String(v).trim();
};

async function readRows(base64: string): Promise<Array<{ row: number; name: string; idCard: string; policyNo: string }>> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(base64, 'base64') as unknown as ArrayBuffer);
  } catch {
    throw new AppError('VALIDATION_FAILED', 400, '文件无法读取，请上传从本页下载的模板（.xlsx）', [
      { path: 'file', message: '文件无法读取，请上传 .xlsx 文件' },
    ]);
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new AppError('VALIDATION_FAILED', 400, '文件里没有工作表', [{ path: 'file', message: '文件里没有工作表' }]);
  const header = (ws.getRow(1).values as ExcelJS.CellValue[]).map(cellText);
  const col = Object.fromEntries(POLICY_COLUMNS.map((c) => [c.key, header.indexOf(c.header)]));
  const missing = POLICY_COLUMNS.filter((c) => col[c.key]! < 1 && c.key !== 'name').map((c) => c.header);
  if (missing.length) {
    throw new AppError('VALIDATION_FAILED', 400, `第 1 行缺少列：${missing.join('、')}`, [
      { path: 'file', message: `第 1 行缺少列：${missing.join('、')}，请使用模板` },
    ]);
  }
  const rows: Array<{ row: number; name: string; idCard: string; policyNo: string }> = [];
  ws.eachRow((r, n) => {
    if (n === 1) return;
    const get = (k: string) => (col[k]! > 0 ? cellText(r.getCell(col[k]!).value) : '');
    const row = { row: n, name: get('name'), idCard: get('idCard').toUpperCase(), policyNo: get('policyNo') };
    if (row.name || row.idCard || row.policyNo) rows.push(row);
  });
  return rows;
}

/**
 * Policy numbers from the insurer, all or nothing: every row is checked first (ID number, a paid enrolment of
 * this product in the staff member's area, one policy number per enrolment); any error imports nothing and
 * each is reported by row. Then each enrolment moves paid → issued. A row whose enrolment is already issued
 * with the same number is accepted as done, so importing a file twice changes nothing.
 */
export async function importPolicyNumbers(app: AppContext, caller: Caller, product: ProductDoc, base64: string, move: Move) {
  const rows = await readRows(base64);
  const errors: RowError[] = [];
  if (!rows.length) errors.push({ row: 1, field: 'file', message: '文件里没有数据行' });
  if (rows.length > MAX_IMPORT_ROWS) errors.push({ row: MAX_IMPORT_ROWS + 2, field: 'file', message: `一次最多导入 ${MAX_IMPORT_ROWS} 行` });
  const seen = new Map<string, number>();
  const wanted = new Map<string, { policyNo: string; row: number }>();
  const checked: Array<{ row: number; enrolmentId: string; policyNo: string }> = [];
  for (const r of rows.slice(0, MAX_IMPORT_ROWS)) {
    const fail = (field: RowError['field'], message: string) => errors.push({ row: r.row, field, message });
    if (!r.policyNo) fail('policyNo', '请填写保单号');
    else if (r.policyNo.length > 40) fail('policyNo', '保单号不超过 40 个字符');
    const check = checkIdCard(r.idCard, app.clock.now());
    if (!check.ok) {
      fail('idCard', r.idCard ? ID_MESSAGES[check.error] : '请填写身份证号');
      continue;
    }
    if (seen.has(r.idCard)) {
      fail('idCard', `与第 ${seen.get(r.idCard)} 行是同一人`);
      continue;
    }
    seen.set(r.idCard, r.row);
    const indexes = app.pii.blindIndexes(ID_INDEX, r.idCard);
    const key = await EnrolmentKeys(app.db)
      .findOne({ productId: product._id, idIndex: { $in: indexes } })
      .lean();
    const e = key ? await Enrolments(app.db).findById(key.enrolmentId).lean() : null;
    if (!e || !inScope(caller.staff, e.areaPath)) {
      fail('idCard', `${maskIdCard(r.idCard)} 在您管辖范围内没有本产品的有效投保`);
      continue;
    }
    const person = e.insured.find((x) => x.idIndex !== undefined && indexes.includes(x.idIndex));
    if (r.name && person?.nameEnc && app.pii.open(person.nameEnc) !== r.name) fail('name', '姓名与投保时填写的不一致');
    if (!r.policyNo) continue;
    const id = String(e._id);
    if (e.status === 'issued' && e.policyNo !== r.policyNo) fail('policyNo', `已出单，保单号为 ${e.policyNo ?? '—'}，与文件不一致`);
    else if (e.status !== 'paid' && e.status !== 'issued') fail('idCard', `投保状态为“${ENROLMENT_LABELS[e.status]}”，缴费后才能导入保单号`);
    const first = wanted.get(id);
    if (first && first.policyNo !== r.policyNo) fail('policyNo', `同一户的保单号应相同（第 ${first.row} 行为 ${first.policyNo}）`);
    if (!first) {
      wanted.set(id, { policyNo: r.policyNo, row: r.row });
      if (e.status === 'paid') checked.push({ row: r.row, enrolmentId: id, policyNo: r.policyNo });
    }
  }
  if (errors.length) {
    errors.sort((a, b) => a.row - b.row);
    throw new AppError(
      'IMPORT_REJECTED',
      400,
      `文件有 ${errors.length} 处错误，没有导入任何保单号`,
      errors.map((e) => ({ path: `rows.${e.row}.${e.field}`, ...e })),
    );
  }
  let issued = 0;
  const failures: RowError[] = [];
  for (const c of checked) {
    try {
      await move(new Types.ObjectId(c.enrolmentId), 'issued', { policyNo: c.policyNo, note: '从保单号文件导入' });
      issued++;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      failures.push({ row: c.row, field: 'idCard', message: err.message });
    }
  }
  await caller.audit(
    'insurance.policy_import',
    { type: 'insurance_product', id: String(product._id) },
    { rows: rows.length, issued, unchanged: wanted.size - checked.length, failed: failures.length },
  );
  return { rows: rows.length, issued, unchanged: wanted.size - checked.length, failures };
}
