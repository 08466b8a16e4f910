import type { Types } from 'mongoose';
import { assertInScope, type Caller, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import type { ErrorCode } from '../../dictionaries';
import { byIdLoader } from '../../lib/batch';
import { cachePerDatabase } from '../../db/coordination';
import { isDuplicateKey } from '../../db/model';
import { AppError, notFound, validationError } from '../../http/errors';
import { requestContext } from '../../logger';
import { checkIdCard } from '../../lib/idcard';
import { findPage } from '../../lib/pagination';
import { maskName, maskPhone, MAINLAND_MOBILE } from '../../lib/pii';
import { WeChatError, WX } from '../../wechat/errors';
import { getArea, requireVillage } from '../areas';
import { audit } from '../audit';
import { issueToken, revokeAllFor } from '../sessions';
import type { ResidentDataSection } from '../module';
import { CONSENT_PURPOSES, ConsentEvents, type ConsentPurpose, Residents, type ResidentDoc } from './residents.model';

const WECHAT_LOGIN_ERRORS: Record<number, [ErrorCode, number, string]> = {
  [WX.INVALID_CODE]: ['WECHAT_CODE_INVALID', 400, '登录凭证无效，请重新打开小程序'],
  [WX.CODE_USED]: ['WECHAT_CODE_USED', 400, '登录凭证已使用，请重新打开小程序'],
  [WX.RATE_LIMITED]: ['WECHAT_RATE_LIMITED', 429, '登录太频繁，请稍后再试'],
  [WX.HIGH_RISK_USER]: ['WECHAT_USER_BLOCKED', 403, '微信账号存在风险，暂时无法登录'],
};

/** Map a WeChat failure to what a resident can act on; busy/network → 503. */
export function wechatToAppError(err: unknown): unknown {
  if (!(err instanceof WeChatError)) return err;
  const known = WECHAT_LOGIN_ERRORS[err.errcode];
  if (known) return new AppError(known[0], known[1], known[2]);
  if (err.errcode === WX.BUSY || err.errcode === WX.NETWORK) return new AppError('WECHAT_UNAVAILABLE', 503, '微信服务繁忙，请稍后再试');
  return new AppError('WECHAT_ERROR', 502, '微信服务暂时出错，请稍后再试');
}

const consentList = (r: Pick<ResidentDoc, 'consents'>) =>
  CONSENT_PURPOSES.flatMap((purpose) => {
    const c = r.consents?.[purpose];
    return c ? [{ purpose, policyVersion: c.policyVersion, grantedAt: new Date(c.grantedAt).toISOString() }] : [];
  });

export const hasConsent = (r: Pick<ResidentDoc, 'consents'>, purpose: ConsentPurpose): boolean => consentList(r).some((c) => c.purpose === purpose);

const profileComplete = (r: ResidentDoc): boolean => Boolean(r.nameEnc && r.villageCode && r.phoneEnc);

/** Log in with a wx.login code; `admit` may refuse the account before a session is issued (rate limit). */
export async function login(app: AppContext, code: string, admit?: (openid: string) => Promise<void>) {
  let session;
  try {
    session = await app.wechat.code2Session(code);
  } catch (err) {
    throw wechatToAppError(err);
  }
  await admit?.(session.openid);
  const now = app.clock.now();
  const upsert = () =>
    Residents(app.db)
      .findOneAndUpdate(
        { openid: session.openid },
        {
          $set: { lastLoginAt: now, ...(session.unionid ? { unionid: session.unionid } : {}) },
          $setOnInsert: { openid: session.openid, createdAt: now, areaPath: [], elderlyMode: false, consents: {} },
        },
        { upsert: true, new: true },
      )
      .lean();
  let resident: ResidentDoc | null;
  try {
    resident = await upsert();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    resident = await upsert(); // two first logins raced; the unique openid index let one insert
  }
  if (!resident) throw new Error('resident upsert returned nothing');
  forget(app, resident._id);
  const token = await issueToken(app, 'resident', resident._id, app.config.TOKEN_TTL_HOURS);
  return {
    token: token.token,
    expiresAt: token.expiresAt.toISOString(),
    resident: { id: String(resident._id), profileComplete: profileComplete(resident), consents: consentList(resident) },
  };
}

/**
 * Residents read in the last few seconds, per database (every resident request reads its resident). Every
 * write below forgets the entry, so a change shows at once in this process and within CACHE_MS elsewhere.
 * Cached documents are shared: callers never modify them.
 */
/** How long a process may serve a resident's profile after it changed elsewhere. */
export const RESIDENT_CACHE_MS = 5_000;
const cacheOf = cachePerDatabase<ResidentDoc>(RESIDENT_CACHE_MS);
/** Reads of concurrent requests share one command. */
const loadResident = byIdLoader(Residents);
const forget = (app: AppContext, id: Types.ObjectId) => void cacheOf(app).delete(String(id));

export async function getResident(app: AppContext, id: Types.ObjectId): Promise<ResidentDoc> {
  const cache = cacheOf(app);
  let r: ResidentDoc | null | undefined = cache.get(String(id));
  if (!r) {
    r = await loadResident(app.db, id);
    if (r && !r.erasedAt) cache.set(String(id), r);
  }
  if (!r || r.erasedAt) throw new AppError('UNAUTHORIZED', 401, '请先登录');
  return r;
}

export async function requireConsent(app: AppContext, id: Types.ObjectId, purpose: ConsentPurpose): Promise<ResidentDoc> {
  const r = await getResident(app, id);
  if (!hasConsent(r, purpose)) throw new AppError('CONSENT_REQUIRED', 403, '请先阅读并同意相关授权', { purpose });
  return r;
}

export async function meView(app: AppContext, r: ResidentDoc) {
  const village = r.villageCode ? await getArea(app, r.villageCode) : null;
  return {
    id: String(r._id),
    name: r.nameEnc ? app.pii.open(r.nameEnc) : null,
    villageCode: r.villageCode ?? null,
    villageName: village?.name ?? null,
    phoneMasked: r.phoneEnc ? maskPhone(app.pii.open(r.phoneEnc)) : null,
    sex: r.sex ?? null,
    birthYear: r.birthYear ?? null,
    elderlyMode: r.elderlyMode,
    profileComplete: profileComplete(r),
    consents: consentList(r),
  };
}

interface ProfilePatch {
  name?: string;
  villageCode?: string;
  phone?: string;
  sex?: 'male' | 'female';
  birthYear?: number;
  elderlyMode?: boolean;
  /** Not stored: sex and birth year are read from it (GB 11643) when the resident gives it. */
  idNumber?: string;
}

/** Sex and birth year from an ID number; a sex or year sent beside it must agree with it. */
function withIdDerived(patch: ProfilePatch, today: Date): Omit<ProfilePatch, 'idNumber'> {
  const { idNumber, ...rest } = patch;
  if (idNumber === undefined) return rest;
  const checked = checkIdCard(idNumber, today);
  if (!checked.ok) throw validationError('idNumber', '身份证号码不正确，请核对');
  const birthYear = Number(checked.info.birthDate.slice(0, 4));
  if ((rest.sex !== undefined && rest.sex !== checked.info.sex) || (rest.birthYear !== undefined && rest.birthYear !== birthYear)) {
    throw validationError('idNumber', '性别或出生年份与身份证号码不一致');
  }
  return { ...rest, sex: checked.info.sex, birthYear };
}

/** After a resident enrols themselves with an ID number: fill sex and birth year when the profile lacks them. */
export async function fillSexAndBirthYear(app: AppContext, id: Types.ObjectId, idNumber: string): Promise<void> {
  const checked = checkIdCard(idNumber, app.clock.now());
  if (!checked.ok) return;
  const birthYear = Number(checked.info.birthDate.slice(0, 4));
  await Residents(app.db).updateOne({ _id: id, sex: { $exists: false } }, { $set: { sex: checked.info.sex } });
  await Residents(app.db).updateOne({ _id: id, birthYear: { $exists: false } }, { $set: { birthYear } });
  forget(app, id);
}

/**
 * Everything but the display preference needs `basic` consent; all checks run before anything is written.
 * A new name is passed to the modules that show it (`otherData`), after it is stored.
 */
export async function updateProfile(app: AppContext, id: Types.ObjectId, input: ProfilePatch, otherData: readonly ResidentDataSection[] = []) {
  const r = await getResident(app, id);
  const patch = withIdDerived(input, app.clock.now());
  const personal = Object.keys(patch).filter((k) => k !== 'elderlyMode');
  if (personal.length && !hasConsent(r, 'basic')) throw new AppError('CONSENT_REQUIRED', 403, '请先阅读并同意隐私保护指引', { purpose: 'basic' });
  if (patch.birthYear !== undefined && patch.birthYear > app.clock.now().getUTCFullYear()) {
    throw validationError('birthYear', '出生年份不正确');
  }
  const set: Record<string, unknown> = {};
  if (patch.villageCode !== undefined) {
    const village = await requireVillage(app, patch.villageCode);
    set.villageCode = village.code;
    set.areaPath = village.path;
  }
  if (patch.name !== undefined) set.nameEnc = app.pii.seal(patch.name);
  if (patch.phone !== undefined) Object.assign(set, phoneFields(app, patch.phone));
  if (patch.sex !== undefined) set.sex = patch.sex;
  if (patch.birthYear !== undefined) set.birthYear = patch.birthYear;
  if (patch.elderlyMode !== undefined) set.elderlyMode = patch.elderlyMode;
  const updated = await Residents(app.db).findByIdAndUpdate(id, { $set: set }, { new: true }).lean();
  forget(app, id);
  if (!updated) throw notFound('居民');
  if (patch.name !== undefined && (!r.nameEnc || app.pii.open(r.nameEnc) !== patch.name)) for (const s of otherData) await s.renamed?.(app, id, patch.name);
  return meView(app, updated);
}

const phoneFields = (app: AppContext, phone: string) => ({ phoneEnc: app.pii.seal(phone), phoneIndex: app.pii.blindIndex('phone', phone) });

export async function setPhoneFromWeChat(app: AppContext, id: Types.ObjectId, code: string) {
  await requireConsent(app, id, 'basic');
  let phone: string;
  try {
    phone = (await app.wechat.phoneNumber(code)).phoneNumber;
  } catch (err) {
    if (err instanceof WeChatError && err.errcode === WX.INVALID_CODE) throw new AppError('WECHAT_CODE_INVALID', 400, '获取手机号失败，请重试或手动填写');
    throw wechatToAppError(err);
  }
  if (!MAINLAND_MOBILE.test(phone)) throw new AppError('PHONE_UNSUPPORTED', 400, '暂只支持中国大陆手机号，请手动填写');
  return updateProfile(app, id, { phone });
}

export async function grantConsent(app: AppContext, id: Types.ObjectId, purpose: ConsentPurpose, policyVersion: string, guardianRelation?: string) {
  if (policyVersion !== app.config.POLICY_VERSION) {
    throw new AppError('POLICY_OUTDATED', 409, '隐私政策已更新，请阅读最新版本后再同意', { current: app.config.POLICY_VERSION });
  }
  if (purpose !== 'basic') {
    const r = await getResident(app, id);
    if (!hasConsent(r, 'basic')) throw new AppError('CONSENT_REQUIRED', 403, '请先同意隐私保护指引', { purpose: 'basic' });
  }
  if (purpose === 'child-data' && !guardianRelation) {
    throw validationError('guardianRelation', '请选择您与孩子的关系');
  }
  const at = app.clock.now();
  await ConsentEvents(app.db).create({
    residentId: id,
    purpose,
    action: 'grant',
    policyVersion,
    guardianRelation,
    at,
    requestId: requestContext.getStore()?.requestId,
  });
  const r = await Residents(app.db)
    .findByIdAndUpdate(id, { $set: { [`consents.${purpose}`]: { policyVersion, grantedAt: at } } }, { new: true })
    .lean();
  forget(app, id);
  if (!r) throw notFound('居民');
  return { consents: consentList(r) };
}

export async function withdrawConsent(app: AppContext, id: Types.ObjectId, purpose: ConsentPurpose) {
  const r = await getResident(app, id);
  const current = consentList(r).find((c) => c.purpose === purpose);
  if (!current) return { consents: consentList(r) };
  await ConsentEvents(app.db).create({
    residentId: id,
    purpose,
    action: 'withdraw',
    policyVersion: current.policyVersion,
    at: app.clock.now(),
    requestId: requestContext.getStore()?.requestId,
  });
  const updated = await Residents(app.db)
    .findByIdAndUpdate(id, { $unset: { [`consents.${purpose}`]: 1 } }, { new: true })
    .lean();
  forget(app, id);
  return { consents: consentList(updated ?? r) };
}

export async function exportMyData(app: AppContext, id: Types.ObjectId, otherData: readonly ResidentDataSection[]) {
  const r = await getResident(app, id);
  const me = await meView(app, r);
  const ledger = await ConsentEvents(app.db).find({ residentId: id }).sort({ at: 1 }).lean();
  const sections: Record<string, unknown> = {};
  for (const s of otherData) sections[s.name] = await s.export(app, id);
  await audit(app, { type: 'resident', id: String(id) }, 'resident.export_self', { type: 'resident', id: String(id) });
  return {
    exportedAt: app.clock.now().toISOString(),
    profile: { ...me, phone: r.phoneEnc ? app.pii.open(r.phoneEnc) : null, createdAt: r.createdAt.toISOString() },
    consentLedger: ledger.map((e) => ({
      purpose: e.purpose,
      action: e.action,
      policyVersion: e.policyVersion,
      guardianRelation: e.guardianRelation ?? null,
      at: e.at.toISOString(),
    })),
    ...sections,
  };
}

/** PIPL erasure: personal fields go, the village stays for anonymous counts, every session is revoked. */
export async function eraseMe(app: AppContext, id: Types.ObjectId, otherData: readonly ResidentDataSection[]): Promise<void> {
  await getResident(app, id);
  for (const s of otherData) await s.erase(app, id);
  await Residents(app.db).updateOne(
    { _id: id },
    {
      $set: { openid: `erased:${String(id)}`, erasedAt: app.clock.now(), consents: {} },
      $unset: { unionid: 1, nameEnc: 1, phoneEnc: 1, phoneIndex: 1, sex: 1, birthYear: 1 },
    },
  );
  forget(app, id);
  await revokeAllFor(app, 'resident', id);
  await audit(app, { type: 'resident', id: String(id) }, 'resident.erase_self', { type: 'resident', id: String(id) });
}

// ---- staff side ----

export async function listResidentsForStaff(app: AppContext, staff: StaffPrincipal, q: { areaCode?: string; limit: number; cursor?: string }) {
  const code = q.areaCode ?? staff.areaCode;
  const filter: Record<string, unknown> = { areaPath: code, erasedAt: { $exists: false } };
  const area = q.areaCode ? await getArea(app, q.areaCode) : undefined;
  if (q.areaCode) assertInScope(staff, area?.path);
  // A village's residents by their own (indexed, scalar) field: an equality on the areaPath array cannot be
  // answered from an index on the embedded database.
  const villageLevel = area ? area.level === 'village' || area.level === 'community' : staff.role === 'village_worker';
  if (villageLevel) filter.villageCode = code;
  return findPage(Residents(app.db), filter, q, (rows) =>
    rows.map((r) => ({
      id: String(r._id),
      nameMasked: r.nameEnc ? maskName(app.pii.open(r.nameEnc)) : null,
      phoneMasked: r.phoneEnc ? maskPhone(app.pii.open(r.phoneEnc)) : null,
      villageCode: r.villageCode ?? null,
      profileComplete: profileComplete(r),
      createdAt: r.createdAt.toISOString(),
    })),
  );
}

export async function viewResidentForStaff(app: AppContext, caller: Caller, id: Types.ObjectId) {
  const r = await Residents(app.db).findById(id).lean();
  if (!r || r.erasedAt) throw notFound('居民');
  assertInScope(caller.staff, r.areaPath);
  await caller.audit('resident.view_full', { type: 'resident', id: String(id) });
  const me = await meView(app, r);
  return { ...me, phone: r.phoneEnc ? app.pii.open(r.phoneEnc) : null, createdAt: r.createdAt.toISOString() };
}
