import crypto from 'node:crypto';
import Papa from 'papaparse';
import type { Caller } from '../../access';
import type { AppContext } from '../../context';
import { cellText, firstSheet } from '../../lib/xlsx';
import { AppError, validationError } from '../../http/errors';
import { Areas, type AreaDoc, type AreaLevel, VILLAGE_LEVELS } from './areas.model';
import district from './district.json';

export interface AreaView {
  code: string;
  name: string;
  level: AreaLevel;
  parentCode: string | null;
}

/** The district every area belongs to (张店区). */
export const DISTRICT_CODE: string = district.code;

const view = (a: AreaDoc): AreaView => ({ code: a.code, name: a.name, level: a.level, parentCode: a.parentCode });

/** Upsert the district and its towns/subdistricts; safe to run on every start. */
export async function seedDistrict(app: AppContext): Promise<void> {
  const ops = [
    { code: district.code, name: district.name, level: 'district' as AreaLevel, parentCode: null, path: [district.code] },
    ...district.children.map((t) => ({ code: t.code, name: t.name, level: t.level as AreaLevel, parentCode: district.code, path: [district.code, t.code] })),
  ].map((a) => ({ updateOne: { filter: { code: a.code }, update: { $set: a }, upsert: true } }));
  await Areas(app.db).bulkWrite(ops, { ordered: true });
}

/** Children offered for choosing (village pickers): disabled villages are left out. */
export async function listChildren(app: AppContext, parentCode: string): Promise<AreaView[]> {
  const rows = await Areas(app.db).find({ parentCode }).sort({ code: 1 }).lean();
  return rows.filter((a) => !a.disabled).map(view);
}

/** Every child of an area, disabled ones included (figures, staff lists). */
export async function listChildAreas(app: AppContext, parentCode: string): Promise<AreaDoc[]> {
  return Areas(app.db).find({ parentCode }).sort({ code: 1 }).lean();
}

/** The area and every area under it, by code (a town: itself and its villages). */
export async function areasUnder(app: AppContext, code: string): Promise<AreaDoc[]> {
  return Areas(app.db).find({ path: code }).sort({ code: 1 }).lean();
}

/** Areas change only by staff import; a short in-process cache keeps them off every profile read. */
const cache = new WeakMap<object, Map<string, { area: AreaDoc | null; until: number }>>();
const AREA_CACHE_MS = 60_000;

export async function getArea(app: AppContext, code: string): Promise<AreaDoc | null> {
  let byCode = cache.get(app.db);
  if (!byCode) cache.set(app.db, (byCode = new Map()));
  const hit = byCode.get(code);
  if (hit && hit.until > Date.now()) return hit.area;
  const area = await Areas(app.db).findOne({ code }).lean();
  if (byCode.size > 20_000) byCode.clear();
  if (area) byCode.set(code, { area, until: Date.now() + AREA_CACHE_MS });
  return area;
}

/** Drop this process's cached copy of an area after a change (other processes follow within a minute). */
export function forgetArea(app: AppContext, code: string): void {
  cache.get(app.db)?.delete(code);
}

export async function requireVillage(app: AppContext, code: string): Promise<AreaDoc> {
  const area = await getArea(app, code);
  if (!area || !VILLAGE_LEVELS.includes(area.level)) {
    throw validationError('villageCode', '请选择所在的村或社区', { code: 'INVALID_VILLAGE' });
  }
  if (area.disabled) throw validationError('villageCode', `${area.name}已停用，请选择现在所在的村或社区`, { code: 'INVALID_VILLAGE' });
  return area;
}

interface ImportRow {
  name: string;
  /** The town's code, or its name (XLSX template). */
  parentCode: string;
  code?: string;
  /** Row number in the file as a person sees it (CSV/XLSX: the header is row 1; JSON: from 1). */
  row: number;
}
export interface RowError {
  row: number;
  field: string;
  message: string;
}
export type ImportFormat = 'csv' | 'json' | 'xlsx';

/** Column headers of the XLSX template (Chinese), with the CSV/JSON field names also accepted. */
export const TEMPLATE_HEADERS = { name: '村居名称', parentCode: '所属镇街', code: '村居编码（可不填）' } as const;
const HEADER_FIELDS: Record<string, keyof typeof TEMPLATE_HEADERS> = {
  name: 'name',
  村居名称: 'name',
  名称: 'name',
  parentCode: 'parentCode',
  所属镇街: 'parentCode',
  所属镇街编码: 'parentCode',
  code: 'code',
  村居编码: 'code',
  [TEMPLATE_HEADERS.code]: 'code',
};

async function readXlsx(base64: string): Promise<{ rows: ImportRow[]; errors: RowError[] }> {
  const sheet = await firstSheet(base64);
  if ('error' in sheet) return { rows: [], errors: [{ row: 0, field: '', message: sheet.error }] };
  const { ws } = sheet;
  const fields = Array.from(ws.getRow(1).values as unknown[], (v) => HEADER_FIELDS[cellText(v).trim()]);
  const missing = (['name', 'parentCode'] as const).filter((f) => !fields.includes(f));
  if (missing.length)
    return { rows: [], errors: [{ row: 1, field: '', message: `第 1 行应为表头，缺少：${missing.map((f) => TEMPLATE_HEADERS[f]).join('、')}` }] };
  const rows: ImportRow[] = [];
  ws.eachRow((r, n) => {
    if (n === 1) return;
    const values = r.values as unknown[];
    const get = (f: keyof typeof TEMPLATE_HEADERS) => {
      const i = fields.indexOf(f);
      return i < 0 ? '' : cellText(values[i]).trim();
    };
    const row = { name: get('name'), parentCode: get('parentCode'), code: get('code') || undefined, row: n };
    if (row.name || row.parentCode || row.code) rows.push(row);
  });
  return { rows, errors: [] };
}

export async function parseImport(format: ImportFormat, text: string): Promise<{ rows: ImportRow[]; errors: RowError[] }> {
  if (format === 'xlsx') return readXlsx(text);
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return { rows: [], errors: [{ row: 0, field: '', message: '不是有效的 JSON' }] };
    }
    if (!Array.isArray(data)) return { rows: [], errors: [{ row: 0, field: '', message: '应为数组' }] };
    return {
      rows: data.map((r, i) => ({
        name: String(r?.name ?? ''),
        parentCode: String(r?.parentCode ?? ''),
        code: r?.code ? String(r.code) : undefined,
        row: i + 1,
      })),
      errors: [],
    };
  }
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true, transformHeader: (h) => h.trim() });
  const errors = parsed.errors.map((e) => ({ row: (e.row ?? 0) + 2, field: '', message: e.message }));
  const rows = parsed.data.map((r, i) => ({
    name: (r.name ?? '').trim(),
    parentCode: (r.parentCode ?? '').trim(),
    code: r.code?.trim() || undefined,
    row: i + 2,
  }));
  return { rows, errors };
}

const codeFor = (parentCode: string, name: string): string => `${parentCode}-${crypto.createHash('sha1').update(name).digest('hex').slice(0, 6)}`;

/**
 * Import villages/communities under towns. Every row is checked first; any error → nothing is written. The town
 * is given by its code or its name; `scopeCode` (a town admin's town) limits the towns a file may name. Inserted
 * rows share a batch id, removed again if the insert itself fails half-way.
 */
export async function importVillages(
  app: AppContext,
  format: ImportFormat,
  text: string,
  scopeCode: string = DISTRICT_CODE,
): Promise<{ imported: number; batch: string }> {
  const { rows, errors } = await parseImport(format, text);
  if (rows.length === 0 && errors.length === 0) errors.push({ row: 0, field: '', message: '没有可导入的行' });
  if (rows.length > 5000) errors.push({ row: 0, field: '', message: '一次最多导入 5000 行' });
  const towns = await Areas(app.db)
    .find({ level: { $in: ['town', 'subdistrict'] } })
    .lean();
  const parents = new Map([...towns.map((a) => [a.name, a] as const), ...towns.map((a) => [a.code, a] as const)]);
  const seen = new Set<string>();
  const docs: AreaDoc[] = [];
  const rowOfCode = new Map<string, number>();
  const batch = crypto.randomUUID();
  for (const r of rows) {
    const { row } = r;
    if (!r.name || r.name.length > 40) errors.push({ row, field: 'name', message: '名称不能为空且不超过 40 字' });
    const parent = parents.get(r.parentCode);
    if (!parent) errors.push({ row, field: 'parentCode', message: `所属镇街 ${r.parentCode || '(空)'} 不是本区的镇或街道` });
    else if (!parent.path.includes(scopeCode)) errors.push({ row, field: 'parentCode', message: `${parent.name}不在您的管辖范围内` });
    if (r.code && !/^[0-9A-Za-z-]{4,40}$/.test(r.code)) errors.push({ row, field: 'code', message: '编码只能包含字母、数字和短横线' });
    if (!parent || !r.name) continue;
    const code = r.code ?? codeFor(parent.code, r.name);
    if (seen.has(code)) errors.push({ row, field: 'code', message: `编码 ${code} 在文件中重复（同一镇街下村居名称不能重复）` });
    seen.add(code);
    rowOfCode.set(code, row);
    docs.push({
      code,
      name: r.name,
      level: r.name.endsWith('社区') ? 'community' : 'village',
      parentCode: parent.code,
      path: [...parent.path, code],
      importBatch: batch,
    });
  }
  const existing = await Areas(app.db)
    .find({ code: { $in: [...seen] } }, { code: 1 })
    .lean();
  for (const e of existing) errors.push({ row: rowOfCode.get(e.code) ?? 0, field: 'code', message: `编码 ${e.code} 已存在` });
  if (errors.length) throw new AppError('IMPORT_INVALID', 400, '导入文件有错误，未导入任何内容', { errors: errors.sort((a, b) => a.row - b.row) });
  try {
    await Areas(app.db).insertMany(docs, { ordered: true });
  } catch {
    await Areas(app.db).deleteMany({ importBatch: batch });
    throw new AppError('IMPORT_CONFLICT', 409, '导入时与其他操作冲突，未导入任何内容，请重试');
  }
  return { imported: docs.length, batch };
}

/** Names by code of the given areas (unknown codes are left out), for lists and reports of other modules. */
export async function areaNames(app: AppContext, codes: readonly string[]): Promise<Map<string, string>> {
  const rows = await Areas(app.db)
    .find({ code: { $in: [...codes] } }, { code: 1, name: 1 })
    .lean();
  return new Map(rows.map((a) => [a.code, a.name]));
}

/** Names by code of an area and every area under it. */
export async function areaNamesUnder(app: AppContext, areaCode: string): Promise<Map<string, string>> {
  const rows = await Areas(app.db).find({ path: areaCode }, { code: 1, name: 1 }).lean();
  return new Map(rows.map((a) => [a.code, a.name]));
}

/** The villages and communities under an area. */
export async function villagesUnder(app: AppContext, areaCode: string): Promise<AreaDoc[]> {
  return Areas(app.db)
    .find({ path: areaCode, level: { $in: VILLAGE_LEVELS } })
    .lean();
}

/** An area named by its code or its name, within (or equal to) the area `scopeCode`. */
export async function findAreaInScope(app: AppContext, scopeCode: string, codeOrName: string): Promise<AreaDoc | null> {
  return Areas(app.db)
    .findOne({ $or: [{ code: codeOrName }, { name: codeOrName }], path: scopeCode })
    .lean();
}

/** Staff import villages under the towns of their scope (all or nothing); the import is audited. */
export async function staffImportVillages(app: AppContext, caller: Caller, format: ImportFormat, text: string): Promise<{ imported: number; batch: string }> {
  const result = await importVillages(app, format, text, caller.staff.areaCode);
  await caller.audit('areas.import', { type: 'area-import', id: result.batch }, { imported: result.imported, format });
  return result;
}
