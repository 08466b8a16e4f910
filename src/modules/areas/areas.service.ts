import crypto from 'node:crypto';
import Papa from 'papaparse';
import type { AppContext } from '../../context';
import { AppError, validationError } from '../../http/errors';
import { audit, type Actor } from '../audit';
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

export async function listChildren(app: AppContext, parentCode: string): Promise<AreaView[]> {
  const rows = await Areas(app.db).find({ parentCode }).sort({ code: 1 }).lean();
  return rows.map(view);
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

export async function requireVillage(app: AppContext, code: string): Promise<AreaDoc> {
  const area = await getArea(app, code);
  if (!area || !VILLAGE_LEVELS.includes(area.level)) {
    throw validationError('villageCode', '请选择所在的村或社区', { code: 'INVALID_VILLAGE' });
  }
  return area;
}

interface ImportRow {
  name: string;
  parentCode: string;
  code?: string;
}
export interface RowError {
  row: number;
  field: string;
  message: string;
}

function parseImport(format: 'csv' | 'json', text: string): { rows: ImportRow[]; errors: RowError[] } {
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return { rows: [], errors: [{ row: 0, field: '', message: '不是有效的 JSON' }] };
    }
    if (!Array.isArray(data)) return { rows: [], errors: [{ row: 0, field: '', message: '应为数组' }] };
    return { rows: data.map((r) => ({ name: String(r?.name ?? ''), parentCode: String(r?.parentCode ?? ''), code: r?.code ? String(r.code) : undefined })), errors: [] };
  }
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true, transformHeader: (h) => h.trim() });
  const errors = parsed.errors.map((e) => ({ row: (e.row ?? 0) + 2, field: '', message: e.message }));
  const rows = parsed.data.map((r) => ({ name: (r.name ?? '').trim(), parentCode: (r.parentCode ?? '').trim(), code: r.code?.trim() || undefined }));
  return { rows, errors };
}

const codeFor = (parentCode: string, name: string): string =>
  `${parentCode}-${crypto.createHash('sha1').update(name).digest('hex').slice(0, 6)}`;

/**
 * Import villages/communities under towns. Every row is checked first (row numbers count the header as row 1
 * for CSV, from 1 for JSON); any error → nothing is written. Inserted rows share a batch id, removed again if
 * the insert itself fails half-way.
 */
export async function importVillages(app: AppContext, format: 'csv' | 'json', text: string): Promise<{ imported: number; batch: string }> {
  const { rows, errors } = parseImport(format, text);
  const rowNo = (i: number): number => (format === 'csv' ? i + 2 : i + 1);
  if (rows.length === 0 && errors.length === 0) errors.push({ row: 0, field: '', message: '没有可导入的行' });
  if (rows.length > 5000) errors.push({ row: 0, field: '', message: '一次最多导入 5000 行' });
  const parents = new Map((await Areas(app.db).find({ level: { $in: ['town', 'subdistrict'] } }).lean()).map((a) => [a.code, a]));
  const seen = new Set<string>();
  const docs: AreaDoc[] = [];
  const rowOfCode = new Map<string, number>();
  const batch = crypto.randomUUID();
  rows.forEach((r, i) => {
    const row = rowNo(i);
    if (!r.name || r.name.length > 40) errors.push({ row, field: 'name', message: '名称不能为空且不超过 40 字' });
    const parent = parents.get(r.parentCode);
    if (!parent) errors.push({ row, field: 'parentCode', message: `上级编码 ${r.parentCode || '(空)'} 不是本区的镇或街道` });
    if (r.code && !/^[0-9A-Za-z-]{4,40}$/.test(r.code)) errors.push({ row, field: 'code', message: '编码只能包含字母、数字和短横线' });
    if (!parent || !r.name) return;
    const code = r.code ?? codeFor(parent.code, r.name);
    if (seen.has(code)) errors.push({ row, field: 'code', message: `编码 ${code} 在文件中重复` });
    seen.add(code);
    rowOfCode.set(code, row);
    docs.push({ code, name: r.name, level: r.name.endsWith('社区') ? 'community' : 'village', parentCode: parent.code, path: [...parent.path, code], importBatch: batch });
  });
  const existing = await Areas(app.db).find({ code: { $in: [...seen] } }, { code: 1 }).lean();
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
  const rows = await Areas(app.db).find({ code: { $in: [...codes] } }, { code: 1, name: 1 }).lean();
  return new Map(rows.map((a) => [a.code, a.name]));
}

/** Names by code of an area and every area under it. */
export async function areaNamesUnder(app: AppContext, areaCode: string): Promise<Map<string, string>> {
  const rows = await Areas(app.db).find({ path: areaCode }, { code: 1, name: 1 }).lean();
  return new Map(rows.map((a) => [a.code, a.name]));
}

/** The villages and communities under an area. */
export async function villagesUnder(app: AppContext, areaCode: string): Promise<AreaDoc[]> {
  return Areas(app.db).find({ path: areaCode, level: { $in: VILLAGE_LEVELS } }).lean();
}

/** An area named by its code or its name, within (or equal to) the area `scopeCode`. */
export async function findAreaInScope(app: AppContext, scopeCode: string, codeOrName: string): Promise<AreaDoc | null> {
  return Areas(app.db).findOne({ $or: [{ code: codeOrName }, { name: codeOrName }], path: scopeCode }).lean();
}

/** A district admin imports villages (all or nothing); the import is audited. */
export async function staffImportVillages(app: AppContext, actor: Actor, format: 'csv' | 'json', text: string): Promise<{ imported: number; batch: string }> {
  const result = await importVillages(app, format, text);
  await audit(app, actor, 'areas.import', { type: 'area-import', id: result.batch }, { imported: result.imported });
  return result;
}
