import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, forbidden, validationError } from '../../http/errors';
import { getArea } from '../areas/areas.service';
import { audit } from '../audit/audit.service';
import { issueToken } from '../sessions/sessions.service';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password';
import { LoginFailures, Staff, type StaffDoc, type StaffRole } from './staff.model';

/** What the rest of the code knows about a signed-in staff member. */
export interface StaffPrincipal {
  id: string;
  username: string;
  role: StaffRole;
  areaCode: string;
  areaPath: string[];
  displayName?: string;
}

export const principalOf = (s: StaffDoc): StaffPrincipal => ({
  id: String(s._id),
  username: s.username,
  role: s.role,
  areaCode: s.areaCode,
  areaPath: s.areaPath,
  displayName: s.displayName,
});

const ROLE_LEVELS: Record<StaffRole, string[]> = {
  district_admin: ['district'],
  town_admin: ['town', 'subdistrict'],
  village_worker: ['village', 'community'],
};

export interface CreateStaffInput {
  username: string;
  password: string;
  role: StaffRole;
  areaCode: string;
  displayName?: string;
  wechatId?: string;
}

export async function createStaff(app: AppContext, input: CreateStaffInput): Promise<StaffPrincipal> {
  const area = await getArea(app, input.areaCode);
  if (!area) throw validationError('areaCode', `地区编码 ${input.areaCode} 不存在`, { code: 'INVALID_AREA' });
  if (!ROLE_LEVELS[input.role].includes(area.level)) {
    throw validationError('areaCode', '角色与管辖地区级别不匹配', { code: 'ROLE_AREA_MISMATCH' });
  }
  try {
    const doc = await Staff(app.db).create({
      username: input.username,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      areaCode: area.code,
      areaPath: area.path,
      displayName: input.displayName,
      wechatId: input.wechatId,
      disabled: false,
      createdAt: app.clock.now(),
    });
    return principalOf(doc.toObject());
  } catch (err) {
    if (isDuplicateKey(err)) throw validationError('username', '用户名已被使用', { code: 'USERNAME_TAKEN', status: 409 });
    throw err;
  }
}

export async function loginStaff(app: AppContext, username: string, password: string, ip?: string) {
  const now = app.clock.now();
  const windowStart = new Date(now.getTime() - app.config.LOGIN_LOCK_MINUTES * 60_000);
  const recentFailures = await LoginFailures(app.db).countDocuments({ username, at: { $gte: windowStart } });
  if (recentFailures >= app.config.LOGIN_MAX_FAILURES) {
    throw new AppError('ACCOUNT_LOCKED', 423, `登录失败次数过多，请 ${app.config.LOGIN_LOCK_MINUTES} 分钟后再试`);
  }
  const staff = await Staff(app.db).findOne({ username }).lean();
  const ok = await verifyPassword(password, staff?.passwordHash ?? DUMMY_HASH);
  if (!staff || !ok || staff.disabled) {
    await LoginFailures(app.db).create({ username, ip, at: now });
    throw new AppError('INVALID_CREDENTIALS', 401, '用户名或密码不正确');
  }
  await LoginFailures(app.db).deleteMany({ username });
  const session = await issueToken(app, 'staff', staff._id, app.config.STAFF_TOKEN_TTL_HOURS);
  await audit(app, { type: 'staff', id: String(staff._id), name: staff.username, ip }, 'staff.login', { type: 'staff', id: String(staff._id) });
  return { ...session, staff: principalOf(staff) };
}

export async function getActiveStaff(app: AppContext, id: Types.ObjectId): Promise<StaffPrincipal | null> {
  const s = await Staff(app.db).findById(id).lean();
  return s && !s.disabled ? principalOf(s) : null;
}

export async function findStaffByWechatId(app: AppContext, wechatId: string): Promise<StaffPrincipal | null> {
  const s = await Staff(app.db).findOne({ wechatId, disabled: false }).lean();
  return s ? principalOf(s) : null;
}

/** Active town admins with the WeChat id they linked (if any): whom the yearly-report reminders go to. */
export async function activeTownAdmins(ctx: AppContext): Promise<Array<StaffPrincipal & { wechatId?: string }>> {
  const rows = await Staff(ctx.db).find({ role: 'town_admin', disabled: false }).lean();
  return rows.map((s) => ({ ...principalOf(s), ...(s.wechatId ? { wechatId: s.wechatId } : {}) }));
}

/** True when an area path (from the district down) lies within the staff member's scope. */
export function inScope(staff: StaffPrincipal, areaPath: readonly string[]): boolean {
  return areaPath.includes(staff.areaCode);
}

export function assertInScope(staff: StaffPrincipal, areaPath: readonly string[] | undefined): void {
  if (!areaPath || !inScope(staff, areaPath)) throw forbidden('不在您的管辖范围内');
}

/** Mongo filter restricting documents with an `areaPath` array to the staff member's scope. */
export function scopeFilter(staff: StaffPrincipal, field = 'areaPath'): Record<string, string> {
  return { [field]: staff.areaCode };
}
