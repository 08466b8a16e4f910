import { Types } from 'mongoose';
import { assertInScope, type Caller, type StaffPrincipal, type StaffRole } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { findPage, type PageQuery } from '../../lib/pagination';
import { maskPhone } from '../../lib/pii';
import { escapeRegex } from '../../lib/regex';
import { getArea } from '../areas';
import { audit } from '../audit';
import { issueToken, revokeAllFor, revokeToken } from '../sessions';
import { DUMMY_HASH, hashPassword, verifyPassword, weakPasswordReason } from './password';
import { LoginFailures, Staff, type StaffDoc } from './staff.model';

const principalOf = (s: StaffDoc): StaffPrincipal => ({
  id: String(s._id),
  username: s.username,
  role: s.role,
  areaCode: s.areaCode,
  areaPath: s.areaPath,
  displayName: s.displayName,
  ...(s.mustChangePassword ? { mustChangePassword: true as const } : {}),
});

function assertStrongPassword(field: string, password: string): void {
  const reason = weakPasswordReason(password);
  if (reason) throw validationError(field, reason, { code: 'WEAK_PASSWORD' });
}

export const ROLE_LEVELS: Record<StaffRole, string[]> = {
  district_admin: ['district'],
  town_admin: ['town', 'subdistrict'],
  village_worker: ['village', 'community'],
  // An expert answers questions of their topics across the district; they reach only the routes naming their role.
  expert: ['district'],
};

interface CreateStaffInput {
  username: string;
  password: string;
  role: StaffRole;
  areaCode: string;
  displayName?: string;
  /** A mainland mobile number, sealed at rest. */
  phone?: string;
  wechatId?: string;
  /** The password was chosen by someone else: the first sign-in must set a new one. */
  initialPassword?: boolean;
}

export async function createStaff(app: AppContext, input: CreateStaffInput): Promise<StaffPrincipal> {
  assertStrongPassword('password', input.password);
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
      ...(input.phone ? { phoneEnc: app.pii.seal(input.phone) } : {}),
      wechatId: input.wechatId,
      disabled: false,
      ...(input.initialPassword ? { mustChangePassword: true } : {}),
      createdAt: app.clock.now(),
    });
    return principalOf(doc.toObject());
  } catch (err) {
    if (isDuplicateKey(err)) throw validationError('username', '用户名已被使用', { code: 'USERNAME_TAKEN', status: 409 });
    throw err;
  }
}

/** A manager creates an account: a town admin only village workers, and only inside their own scope. */
export async function createStaffBy(app: AppContext, caller: Caller, input: CreateStaffInput): Promise<StaffPrincipal> {
  if (caller.staff.role === 'town_admin' && input.role !== 'village_worker') throw new AppError('FORBIDDEN', 403, '镇街管理员只能创建村居工作人员');
  assertInScope(caller.staff, (await getArea(app, input.areaCode))?.path);
  const created = await createStaff(app, { ...input, initialPassword: true });
  await caller.audit(
    'staff.create',
    { type: 'staff', id: created.id },
    { username: created.username, displayName: created.displayName ?? null, role: created.role, areaCode: created.areaCode },
  );
  return created;
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
  await audit(app, { type: 'staff', id: String(staff._id), name: staff.username, ip, areaPath: staff.areaPath }, 'staff.login', {
    type: 'staff',
    id: String(staff._id),
  });
  return { ...session, staff: await withAreaName(app, principalOf(staff)) };
}

/** A staff member with the name of their area (我的账号 shows it, never the code). */
export async function withAreaName(app: AppContext, s: StaffPrincipal): Promise<StaffPrincipal & { areaName: string | null }> {
  return { ...s, areaName: (await getArea(app, s.areaCode))?.name ?? null };
}

/** End one staff session (its token is revoked server-side). */
export async function logoutStaff(app: AppContext, caller: Caller, token: string | null): Promise<void> {
  if (token) await revokeToken(app, token);
  await caller.audit('staff.logout', { type: 'staff', id: caller.staff.id });
}

export async function getActiveStaff(app: AppContext, id: Types.ObjectId): Promise<StaffPrincipal | null> {
  const s = await Staff(app.db).findById(id).lean();
  return s && !s.disabled ? principalOf(s) : null;
}

export async function findStaffByWechatId(app: AppContext, wechatId: string): Promise<StaffPrincipal | null> {
  const s = await Staff(app.db).findOne({ wechatId, disabled: false }).lean();
  return s ? principalOf(s) : null;
}

/** Active town or district admins with the WeChat id they linked (if any): whom reminders and alerts go to. */
export async function activeAdmins(app: AppContext, role: 'town_admin' | 'district_admin'): Promise<Array<StaffPrincipal & { wechatId?: string }>> {
  const rows = await Staff(app.db).find({ role, disabled: false }).lean();
  return rows.map((s) => ({ ...principalOf(s), ...(s.wechatId ? { wechatId: s.wechatId } : {}) }));
}

/** A staff member as the management screens list them: never the password hash. */
export interface StaffView extends StaffPrincipal {
  areaName: string | null;
  disabled: boolean;
  wechatBound: boolean;
  phoneMasked: string | null;
  createdAt: string;
}

const viewOf = (app: AppContext, s: StaffDoc, areaName: string | null): StaffView => ({
  ...principalOf(s),
  areaName,
  disabled: s.disabled,
  wechatBound: Boolean(s.wechatId),
  phoneMasked: s.phoneEnc ? maskPhone(app.pii.open(s.phoneEnc)) : null,
  createdAt: s.createdAt.toISOString(),
});

const areaNameOf = async (app: AppContext, code: string) => (await getArea(app, code))?.name ?? null;

/**
 * Who a manager may manage: a district admin everyone but themselves; a town admin the village workers
 * of their own town. Anyone else no one.
 */
export function canManage(me: StaffPrincipal, target: Pick<StaffDoc, '_id' | 'role' | 'areaPath'>): boolean {
  if (String(target._id) === me.id) return false;
  if (me.role === 'district_admin') return true;
  return me.role === 'town_admin' && target.role === 'village_worker' && target.areaPath.includes(me.areaCode);
}

interface StaffListFilter {
  role?: StaffRole;
  areaCode?: string;
  disabled?: boolean;
  q?: string;
}

/** Staff in the manager's scope, newest first; a town admin sees the staff of their town. */
export async function listStaff(app: AppContext, me: StaffPrincipal, f: StaffListFilter, page: PageQuery) {
  const filter: Record<string, unknown> = { areaPath: f.areaCode ?? me.areaCode };
  if (f.areaCode && me.role !== 'district_admin') {
    const area = await getArea(app, f.areaCode);
    assertInScope(me, area?.path);
  }
  if (f.role) filter.role = f.role;
  if (f.disabled !== undefined) filter.disabled = f.disabled;
  if (f.q) filter.$or = [{ username: { $regex: escapeRegex(f.q), $options: 'i' } }, { displayName: { $regex: escapeRegex(f.q), $options: 'i' } }];
  return findPage(Staff(app.db), filter, page, async (rows) => {
    const names = new Map<string, string | null>();
    for (const code of new Set(rows.map((r) => r.areaCode))) names.set(code, (await getArea(app, code))?.name ?? null);
    return rows.map((r) => viewOf(app, r, names.get(r.areaCode) ?? null));
  });
}

async function managedStaff(app: AppContext, me: StaffPrincipal, id: string): Promise<StaffDoc> {
  const s = await Staff(app.db).findById(id).lean();
  if (!s || !s.areaPath.includes(me.areaCode)) throw notFound('该工作人员');
  if (!canManage(me, s)) throw forbidden(String(s._id) === me.id ? '不能对自己的账号进行此操作' : '您不能管理该工作人员');
  return s;
}

/** Disable or enable an account; disabling ends every session of it at once. */
export async function setStaffDisabled(app: AppContext, caller: Caller, id: string, disabled: boolean): Promise<StaffView> {
  const s = await managedStaff(app, caller.staff, id);
  await Staff(app.db).updateOne({ _id: s._id }, { $set: { disabled } });
  if (disabled) await revokeAllFor(app, 'staff', s._id);
  await caller.audit(disabled ? 'staff.disable' : 'staff.enable', { type: 'staff', id: String(s._id) }, { username: s.username });
  return viewOf(app, { ...s, disabled }, await areaNameOf(app, s.areaCode));
}

/** A manager sets a new password for someone; every session of that person ends. */
export async function resetStaffPassword(app: AppContext, caller: Caller, id: string, password: string): Promise<StaffView> {
  const s = await managedStaff(app, caller.staff, id);
  assertStrongPassword('password', password);
  await Staff(app.db).updateOne({ _id: s._id }, { $set: { passwordHash: await hashPassword(password), mustChangePassword: true } });
  await revokeAllFor(app, 'staff', s._id);
  await LoginFailures(app.db).deleteMany({ username: s.username });
  await caller.audit('staff.password_reset', { type: 'staff', id: String(s._id) }, { username: s.username });
  return viewOf(app, { ...s, mustChangePassword: true }, await areaNameOf(app, s.areaCode));
}

export interface StaffPatch {
  displayName?: string;
  /** A mainland mobile number, or null to remove it. */
  phone?: string | null;
}

/** A manager changes someone's display name or phone (sealed at rest); audited with the fields changed, never the number. */
export async function updateStaff(app: AppContext, caller: Caller, id: string, patch: StaffPatch): Promise<StaffView> {
  const s = await managedStaff(app, caller.staff, id);
  const set: Partial<StaffDoc> = {};
  const unset: Record<string, 1> = {};
  if (patch.displayName !== undefined && patch.displayName !== (s.displayName ?? '')) {
    if (patch.displayName) set.displayName = patch.displayName;
    else unset.displayName = 1;
  }
  if (patch.phone !== undefined && patch.phone !== (s.phoneEnc ? app.pii.open(s.phoneEnc) : null)) {
    if (patch.phone) set.phoneEnc = app.pii.seal(patch.phone);
    else unset.phoneEnc = 1;
  }
  const fields = [...Object.keys(set), ...Object.keys(unset)].map((f) => (f === 'phoneEnc' ? 'phone' : f));
  if (!fields.length) return viewOf(app, s, await areaNameOf(app, s.areaCode));
  const update = { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) };
  const updated = await Staff(app.db).findOneAndUpdate({ _id: s._id }, update, { new: true }).lean();
  if (!updated) throw notFound('该工作人员');
  await caller.audit('staff.update', { type: 'staff', id: String(s._id) }, { username: s.username, fields });
  return viewOf(app, updated, await areaNameOf(app, updated.areaCode));
}

/** A manager looks at someone's full phone number: audited. */
export async function viewStaffFull(app: AppContext, caller: Caller, id: string): Promise<StaffView & { phone: string | null }> {
  const s = await managedStaff(app, caller.staff, id);
  await caller.audit('staff.view_full', { type: 'staff', id: String(s._id) }, { username: s.username });
  return { ...viewOf(app, s, await areaNameOf(app, s.areaCode)), phone: s.phoneEnc ? app.pii.open(s.phoneEnc) : null };
}

/**
 * A staff member changes their own password: every session of theirs ends (other browsers, a lost phone),
 * and the one making the change gets a fresh token so they stay signed in here.
 */
export async function changeOwnPassword(app: AppContext, caller: Caller, current: string, next: string) {
  const s = await Staff(app.db).findById(caller.staff.id).lean();
  if (!s || s.disabled) throw new AppError('UNAUTHORIZED', 401, '请先登录');
  if (!(await verifyPassword(current, s.passwordHash))) {
    throw validationError('currentPassword', '当前密码不正确', { code: 'WRONG_PASSWORD' });
  }
  if (current === next) throw validationError('newPassword', '新密码不能与当前密码相同', { code: 'SAME_PASSWORD' });
  assertStrongPassword('newPassword', next);
  await Staff(app.db).updateOne({ _id: s._id }, { $set: { passwordHash: await hashPassword(next) }, $unset: { mustChangePassword: 1 } });
  await revokeAllFor(app, 'staff', s._id);
  await caller.audit('staff.password_change', { type: 'staff', id: caller.staff.id });
  return issueToken(app, 'staff', s._id, app.config.STAFF_TOKEN_TTL_HOURS);
}

/** Linked WeChat contact ids of active staff members, for private bot messages. */
export async function linkedWechatIds(app: AppContext, ids: string[]): Promise<Map<string, string>> {
  const rows = await Staff(app.db)
    .find({ _id: { $in: ids.filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id)) }, wechatId: { $exists: true }, disabled: false })
    .lean();
  return new Map(rows.filter((s) => s.wechatId).map((s) => [String(s._id), s.wechatId!]));
}

/** How many staff accounts exist (the start-up banner says how to create the first). */
export async function staffCount(app: AppContext): Promise<number> {
  return Staff(app.db).estimatedDocumentCount();
}

/** The mini-program openid the staff member bound ("bind my WeChat"), if any: WeChat's content check asks for one. */
export async function boundOpenId(app: AppContext, id: string): Promise<string | null> {
  if (!Types.ObjectId.isValid(id)) return null;
  const s = await Staff(app.db).findById(id, { wechatOpenId: 1 }).lean();
  return s?.wechatOpenId ?? null;
}

/** The active village workers of one village, by name only: what a family's pairing picker offers (no phone, no login). */
export async function villageWorkerNames(app: AppContext, villageCode: string): Promise<Array<{ id: string; name: string }>> {
  const rows = await Staff(app.db)
    .find({ areaCode: villageCode, role: 'village_worker', disabled: false }, { username: 1, displayName: 1 })
    .sort({ createdAt: 1, _id: 1 })
    .limit(200)
    .lean();
  return rows.map((s) => ({ id: String(s._id), name: s.displayName || s.username }));
}

/** For each village code, the active village worker who looks after it (the earliest account when there are several). */
export async function villageWorkers(app: AppContext, villageCodes: readonly string[]): Promise<Map<string, StaffPrincipal & { wechatId?: string }>> {
  if (!villageCodes.length) return new Map();
  const rows = await Staff(app.db)
    .find({ areaPath: { $in: [...new Set(villageCodes)] }, role: 'village_worker', disabled: false })
    .sort({ createdAt: 1, _id: 1 })
    .lean();
  const out = new Map<string, StaffPrincipal & { wechatId?: string }>();
  for (const s of rows) if (!out.has(s.areaCode)) out.set(s.areaCode, { ...principalOf(s), ...(s.wechatId ? { wechatId: s.wechatId } : {}) });
  return out;
}
