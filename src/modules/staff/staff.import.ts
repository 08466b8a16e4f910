import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { STAFF_ROLES, type Caller, type StaffPrincipal, type StaffRole } from '../../access';
import type { AppContext } from '../../context';
import { cellText, firstSheet } from '../../lib/xlsx';
import { AppError } from '../../http/errors';
import { MAINLAND_MOBILE } from '../../lib/pii';
import { areasUnder, type AreaDoc } from '../areas';
import { hashPassword } from './password';
import { ROLE_LEVELS } from './staff.service';
import { Staff, type StaffDoc } from './staff.model';

/** Column headers of the template, by the field the row errors name. */
export const STAFF_TEMPLATE_HEADERS = { username: '用户名', displayName: '姓名', phone: '手机号（可不填）', role: '角色', areaCode: '管辖地区' } as const;
type Field = keyof typeof STAFF_TEMPLATE_HEADERS;
const HEADER_FIELDS: Record<string, Field> = {
  ...Object.fromEntries(Object.entries(STAFF_TEMPLATE_HEADERS).map(([f, h]) => [h, f as Field])),
  手机号: 'phone',
  管辖地区编码: 'areaCode',
  所属地区: 'areaCode',
};
const ROLE_NAMES: Record<StaffRole, string> = { district_admin: '区级管理员', town_admin: '镇街管理员', village_worker: '村居工作人员', expert: '咨询专家' };
const roleOf = (text: string): StaffRole | undefined => STAFF_ROLES.find((r) => r === text || ROLE_NAMES[r] === text);

/** At most this many accounts per file: each initial password is hashed (scrypt) before anything is written. */
export const STAFF_IMPORT_MAX_ROWS = 200;

export interface StaffRowError {
  row: number;
  field: string;
  message: string;
}

/** One imported account and its initial password, shown to the importer once and kept nowhere in plain. */
export interface ImportedAccount {
  row: number;
  username: string;
  displayName: string;
  role: StaffRole;
  areaName: string;
  initialPassword: string;
}

/** The areas a manager may give accounts in: a town admin their town's villages, a district admin any area. */
const roleAllowed = (me: StaffPrincipal, role: StaffRole) => me.role === 'district_admin' || role === 'village_worker';

/** The XLSX template: the columns to fill, and a second sheet naming the areas in scope and the roles. */
export async function staffImportTemplate(app: AppContext, me: StaffPrincipal): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  ws.columns = [
    { header: STAFF_TEMPLATE_HEADERS.username, width: 18 },
    { header: STAFF_TEMPLATE_HEADERS.displayName, width: 14 },
    { header: STAFF_TEMPLATE_HEADERS.phone, width: 18 },
    { header: STAFF_TEMPLATE_HEADERS.role, width: 16 },
    { header: STAFF_TEMPLATE_HEADERS.areaCode, width: 24 },
  ];
  ws.getRow(1).font = { bold: true };
  const list = wb.addWorksheet('地区与角色');
  list.columns = [
    { header: '地区名称', width: 22 },
    { header: '地区编码', width: 24 },
    { header: '可填的角色', width: 30 },
  ];
  list.getRow(1).font = { bold: true };
  for (const a of await areasUnder(app, me.areaCode)) {
    const roles = STAFF_ROLES.filter((r) => roleAllowed(me, r) && ROLE_LEVELS[r].includes(a.level)).map((r) => ROLE_NAMES[r]);
    if (roles.length && !a.disabled) list.addRow([a.name, a.code, roles.join('、')]);
  }
  list.addRow([]);
  list.addRow([
    '填写说明：在“人员”工作表每行填一个账号。用户名为 3–32 位字母、数字或 _.-；“管辖地区”填本表中的名称或编码；角色须与地区级别相符。导入后系统为每个账号生成初始密码，只显示一次，本人首次登录时须修改。',
  ]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

interface Row {
  row: number;
  values: Record<Field, string>;
}

async function readRows(base64: string): Promise<{ rows: Row[]; errors: StaffRowError[] }> {
  const sheet = await firstSheet(base64);
  if ('error' in sheet) return { rows: [], errors: [{ row: 0, field: '', message: sheet.error }] };
  const { ws } = sheet;
  const fields = Array.from(ws.getRow(1).values as unknown[], (v) => HEADER_FIELDS[cellText(v).trim()]);
  const missing = (['username', 'displayName', 'role', 'areaCode'] as const).filter((f) => !fields.includes(f));
  if (missing.length)
    return { rows: [], errors: [{ row: 1, field: '', message: `第 1 行应为表头，缺少：${missing.map((f) => STAFF_TEMPLATE_HEADERS[f]).join('、')}` }] };
  const rows: Row[] = [];
  ws.eachRow((r, n) => {
    if (n === 1) return;
    const cells = r.values as unknown[];
    const values = Object.fromEntries(
      (Object.keys(STAFF_TEMPLATE_HEADERS) as Field[]).map((f) => {
        const i = fields.indexOf(f);
        return [f, i < 0 ? '' : cellText(cells[i]).trim()];
      }),
    ) as Record<Field, string>;
    if (Object.values(values).some(Boolean)) rows.push({ row: n, values });
  });
  return { rows, errors: [] };
}

const ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** 12 characters without look-alikes (0/O, 1/l/I), with a letter and a digit. */
export function initialPassword(): string {
  for (;;) {
    const p = Array.from({ length: 12 }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join('');
    if (/[a-zA-Z]/.test(p) && /\d/.test(p)) return p;
  }
}

/**
 * Import staff accounts from the XLSX template: every row is checked first and any error writes nothing. Each
 * account gets a random initial password that must be changed at the first sign-in; the passwords are returned
 * once, in this answer, and only their hashes are stored. Accounts share a batch id, removed again if the
 * insert fails half-way.
 */
export async function importStaff(app: AppContext, caller: Caller, content: string): Promise<{ imported: number; batch: string; accounts: ImportedAccount[] }> {
  const me = caller.staff;
  const { rows, errors } = await readRows(content);
  if (rows.length === 0 && errors.length === 0) errors.push({ row: 0, field: '', message: '没有可导入的行' });
  if (rows.length > STAFF_IMPORT_MAX_ROWS) errors.push({ row: 0, field: '', message: `一次最多导入 ${STAFF_IMPORT_MAX_ROWS} 个账号` });
  const areas = (await areasUnder(app, me.areaCode)).filter((a) => !a.disabled);
  const byKey = new Map<string, AreaDoc>([...areas.map((a) => [a.name, a] as const), ...areas.map((a) => [a.code, a] as const)]);
  const seen = new Map<string, number>();
  const valid: Array<{ row: number; username: string; displayName: string; phone?: string; role: StaffRole; area: AreaDoc }> = [];
  for (const { row, values: v } of rows) {
    const fail = (field: Field, message: string) => errors.push({ row, field, message });
    if (!/^[a-zA-Z0-9_.-]{3,32}$/.test(v.username)) fail('username', '用户名为 3–32 位字母、数字或 _.-');
    else if (seen.has(v.username)) fail('username', `用户名 ${v.username} 与第 ${seen.get(v.username)} 行重复`);
    else seen.set(v.username, row);
    if (!v.displayName || v.displayName.length > 40) fail('displayName', '请填写姓名（不超过 40 字）');
    if (v.phone && !MAINLAND_MOBILE.test(v.phone)) fail('phone', '手机号应为 11 位手机号');
    const role = roleOf(v.role);
    if (!role)
      fail(
        'role',
        `角色应为 ${STAFF_ROLES.filter((r) => roleAllowed(me, r))
          .map((r) => ROLE_NAMES[r])
          .join('、')}`,
      );
    else if (!roleAllowed(me, role)) fail('role', '镇街管理员只能导入村居工作人员');
    const area = byKey.get(v.areaCode);
    if (!area) fail('areaCode', `${v.areaCode || '(空)'} 不是您管辖范围内的地区`);
    else if (role && !ROLE_LEVELS[role].includes(area.level)) fail('areaCode', `${area.name}的级别与角色“${ROLE_NAMES[role]}”不符`);
    if (role && area && errors.every((e) => e.row !== row))
      valid.push({ row, username: v.username, displayName: v.displayName, ...(v.phone ? { phone: v.phone } : {}), role, area });
  }
  const taken = await Staff(app.db)
    .find({ username: { $in: [...seen.keys()] } }, { username: 1 })
    .lean();
  for (const t of taken) errors.push({ row: seen.get(t.username) ?? 0, field: 'username', message: `用户名 ${t.username} 已被使用` });
  if (errors.length) throw new AppError('IMPORT_INVALID', 400, '导入文件有错误，未导入任何账号', { errors: errors.sort((a, b) => a.row - b.row) });

  const batch = crypto.randomUUID();
  const now = app.clock.now();
  const accounts = valid.map((r) => ({ ...r, initialPassword: initialPassword() }));
  const docs: Array<Omit<StaffDoc, '_id'>> = await Promise.all(
    accounts.map(async (a) => ({
      username: a.username,
      passwordHash: await hashPassword(a.initialPassword),
      role: a.role,
      areaCode: a.area.code,
      areaPath: a.area.path,
      displayName: a.displayName,
      ...(a.phone ? { phoneEnc: app.pii.seal(a.phone) } : {}),
      disabled: false,
      mustChangePassword: true,
      createdAt: now,
      importBatch: batch,
    })),
  );
  try {
    await Staff(app.db).insertMany(docs, { ordered: true });
  } catch {
    await Staff(app.db).deleteMany({ importBatch: batch });
    throw new AppError('IMPORT_CONFLICT', 409, '导入时与其他操作冲突，未导入任何账号，请重试');
  }
  await caller.audit('staff.import', { type: 'staff-import', id: batch }, { imported: accounts.length, usernames: accounts.map((a) => a.username) });
  return {
    imported: accounts.length,
    batch,
    accounts: accounts.map((a) => ({
      row: a.row,
      username: a.username,
      displayName: a.displayName,
      role: a.role,
      areaName: a.area.name,
      initialPassword: a.initialPassword,
    })),
  };
}
