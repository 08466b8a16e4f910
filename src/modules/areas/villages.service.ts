import ExcelJS from 'exceljs';
import type { Types } from 'mongoose';
import type { Caller, StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { findPage, type PageQuery } from '../../lib/pagination';
import { escapeRegex } from '../../lib/regex';
import { Areas, VILLAGE_LEVELS, type AreaDoc } from './areas.model';
import { areaNames, forgetArea, getArea, TEMPLATE_HEADERS } from './areas.service';

export interface VillageQuery extends PageQuery {
  town?: string;
  q?: string;
  status?: 'active' | 'disabled';
}

/** Villages and communities in the staff member's scope (or one town of it), newest import first. */
export async function listVillages(app: AppContext, staff: StaffPrincipal, q: VillageQuery) {
  let under = staff.areaCode;
  if (q.town) {
    const town = await getArea(app, q.town);
    if (!town) throw validationError('town', '镇街不存在');
    if (!town.path.includes(staff.areaCode)) throw forbidden('不在您的管辖范围内');
    under = town.code;
  }
  const filter: Record<string, unknown> = { path: under, level: { $in: VILLAGE_LEVELS } };
  if (q.q) filter.name = { $regex: escapeRegex(q.q) };
  if (q.status) filter.disabled = q.status === 'disabled' ? true : { $ne: true };
  // Areas carry mongoose's own ObjectId `_id`, which the page cursor follows.
  return findPage<AreaDoc & { _id: Types.ObjectId }, ReturnType<typeof villageView>>(Areas(app.db) as never, filter, q, async (rows) => {
    const towns = await areaNames(app, [...new Set(rows.map((r) => r.parentCode ?? ''))]);
    return rows.map((a) => villageView(a, towns.get(a.parentCode ?? '') ?? null));
  });
}

const villageView = (a: AreaDoc, parentName: string | null) => ({
  code: a.code,
  name: a.name,
  level: a.level,
  parentCode: a.parentCode ?? '',
  parentName,
  disabled: a.disabled === true,
});

/**
 * Rename a village or take it out of (or back into) use. Its code never changes, so residents, groups and
 * figures stay attached; a disabled village is no longer offered in pickers and cannot be newly chosen.
 */
export async function updateVillage(app: AppContext, caller: Caller, code: string, patch: { name?: string; disabled?: boolean }) {
  const area = await Areas(app.db).findOne({ code }).lean();
  if (!area || !VILLAGE_LEVELS.includes(area.level)) throw notFound('村居');
  if (!area.path.includes(caller.staff.areaCode)) throw forbidden('不在您的管辖范围内');
  const set: Partial<AreaDoc> = {};
  if (patch.name !== undefined && patch.name !== area.name) {
    const clash = await Areas(app.db).exists({ parentCode: area.parentCode, name: patch.name, code: { $ne: area.code } });
    if (clash) throw validationError('name', `本镇街已有名为“${patch.name}”的村居`, { status: 409, code: 'NAME_TAKEN' });
    set.name = patch.name;
  }
  if (patch.disabled !== undefined && patch.disabled !== (area.disabled === true)) set.disabled = patch.disabled;
  const townName = async () => (await getArea(app, area.parentCode ?? ''))?.name ?? null;
  if (!Object.keys(set).length) return villageView(area, await townName());
  const updated = await Areas(app.db).findOneAndUpdate({ code: area.code }, { $set: set }, { new: true }).lean();
  if (!updated) throw new AppError('CONFLICT', 409, '村居已被其他人修改，请刷新后重试');
  forgetArea(app, area.code);
  const target = { type: 'area', id: area.code };
  if (set.name !== undefined) await caller.audit('areas.rename', target, { from: area.name, to: set.name });
  if (set.disabled !== undefined) await caller.audit(set.disabled ? 'areas.disable' : 'areas.enable', target);
  return villageView(updated, await townName());
}

/** The XLSX template: the columns to fill, and a second sheet listing the towns in scope by name and code. */
export async function importTemplate(app: AppContext, staff: StaffPrincipal): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('村居');
  ws.columns = [
    { header: TEMPLATE_HEADERS.name, width: 20 },
    { header: TEMPLATE_HEADERS.parentCode, width: 20 },
    { header: TEMPLATE_HEADERS.code, width: 26 },
  ];
  ws.getRow(1).font = { bold: true };
  const towns = await Areas(app.db)
    .find({ level: { $in: ['town', 'subdistrict'] }, path: staff.areaCode })
    .sort({ code: 1 })
    .lean();
  const list = wb.addWorksheet('镇街名单');
  list.columns = [
    { header: '镇街名称', width: 20 },
    { header: '镇街编码', width: 20 },
  ];
  list.getRow(1).font = { bold: true };
  for (const t of towns) list.addRow([t.name, t.code]);
  list.addRow([]);
  list.addRow(['填写说明：在“村居”工作表每行填一个村或社区；“所属镇街”填本表中的名称或编码；村居编码可不填，由系统生成。']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
