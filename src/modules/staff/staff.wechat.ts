import crypto from 'node:crypto';
import { Schema, Types } from 'mongoose';
import type { Caller } from '../../access';
import type { AppContext } from '../../context';
import { defineModel, isDuplicateKey } from '../../db/model';
import { AppError, notFound } from '../../http/errors';
import { residentById } from '../residents';
import { Staff } from './staff.model';
import type { StaffPrincipal } from '../../access';

/**
 * "Bind my WeChat": the console shows a mini-program code holding a short-lived code; the staff member opens it
 * in WeChat and confirms (their mini-program openid is linked), then sends `绑定 <code>` to the group bot in a
 * private chat (the bot's own id for their contact is linked: the mini-program's openid and the bot's contact
 * id are different identifiers, and only the second lets the bot's private-chat commands know them).
 * Each step is decided by one insert under a unique `_id` (`app:<code>`, `bot:<code>`), so each is single-use.
 */
export const BIND_TTL_MS = 10 * 60_000;
export const BIND_PAGE = 'pages/staff-bind/index';
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

interface BindCodeDoc {
  _id: string;
  staffId: Types.ObjectId;
  createdAt: Date;
  expiresAt: Date;
}
export const StaffBindCodes = defineModel<BindCodeDoc>(
  'StaffWechatBindCode',
  new Schema<BindCodeDoc>({
    _id: { type: String, required: true },
    staffId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  }),
);

interface BindStepDoc {
  _id: string;
  staffId: Types.ObjectId;
  openid?: string;
  contactId?: string;
  at: Date;
}
export const StaffBindSteps = defineModel<BindStepDoc>(
  'StaffWechatBindStep',
  new Schema<BindStepDoc>({
    _id: { type: String, required: true },
    staffId: { type: Schema.Types.ObjectId, required: true },
    openid: String,
    contactId: String,
    at: { type: Date, required: true },
  }),
);

export const sceneOf = (code: string): string => `sb=${code}`;

export async function createBindCode(app: AppContext, caller: Caller) {
  await caller.audit('staff.wechat_bind_code', { type: 'staff', id: caller.staff.id });
  const now = app.clock.now();
  for (;;) {
    const code = Array.from(crypto.randomBytes(8), (b) => ALPHABET[b % ALPHABET.length]).join('');
    try {
      await StaffBindCodes(app.db).create({
        _id: code,
        staffId: new Types.ObjectId(caller.staff.id),
        createdAt: now,
        expiresAt: new Date(now.getTime() + BIND_TTL_MS),
      });
      return { code, scene: sceneOf(code), page: BIND_PAGE, botCommand: `绑定 ${code}`, expiresAt: new Date(now.getTime() + BIND_TTL_MS).toISOString() };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}

/** A staff member's own code (anyone else's answers 404, the same as a missing one). */
export async function ownCode(app: AppContext, staff: StaffPrincipal, code: string): Promise<BindCodeDoc> {
  const c = await StaffBindCodes(app.db).findById(code).lean();
  if (!c || String(c.staffId) !== staff.id) throw notFound('绑定码');
  return c;
}

export async function bindState(app: AppContext, staff: StaffPrincipal, code: string) {
  const c = await ownCode(app, staff, code);
  const [inApp, inBot] = await Promise.all([StaffBindSteps(app.db).findById(`app:${code}`).lean(), StaffBindSteps(app.db).findById(`bot:${code}`).lean()]);
  const state = inBot ? 'bound' : c.expiresAt <= app.clock.now() ? 'expired' : inApp ? 'app_confirmed' : 'waiting';
  return { state, expiresAt: c.expiresAt.toISOString(), ...(await linkState(app, staff)) };
}

export async function linkState(app: AppContext, staff: StaffPrincipal) {
  const s = await Staff(app.db).findById(staff.id, { wechatId: 1, wechatOpenId: 1 }).lean();
  return { appLinked: Boolean(s?.wechatOpenId), botLinked: Boolean(s?.wechatId) };
}

async function liveCode(app: AppContext, raw: string): Promise<BindCodeDoc | null> {
  const code = raw.trim().toUpperCase();
  return /^[2-9A-HJ-NP-Z]{8}$/.test(code) ? StaffBindCodes(app.db).findById(code).lean() : null;
}

/** Step 1, in the mini-program: the signed-in WeChat user confirms the code; their openid is linked. */
export async function confirmInApp(app: AppContext, residentId: Types.ObjectId, raw: string) {
  const me = await residentById(app, residentId, ['openid']);
  if (!me) throw new AppError('UNAUTHORIZED', 401, '请重新登录');
  const openid = me.openid;
  const c = await liveCode(app, raw);
  if (!c) throw new AppError('BIND_CODE_UNKNOWN', 404, '绑定码不正确，请在管理后台重新生成二维码');
  if (c.expiresAt <= app.clock.now()) throw new AppError('BIND_CODE_EXPIRED', 410, '二维码已过期，请在管理后台重新生成');
  const staff = await Staff(app.db).findById(c.staffId).lean();
  if (!staff || staff.disabled) throw new AppError('BIND_CODE_UNKNOWN', 404, '该工作人员账号已停用');
  try {
    await StaffBindSteps(app.db).create({ _id: `app:${c._id}`, staffId: c.staffId, openid, at: app.clock.now() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const first = await StaffBindSteps(app.db).findById(`app:${c._id}`).lean();
    // The same person tapping twice is fine; anyone else finds the code used.
    if (first?.openid !== openid) throw new AppError('BIND_CODE_USED', 409, '这个二维码已经被使用，请在管理后台重新生成');
  }
  await Staff(app.db).updateOne({ _id: c.staffId }, { $set: { wechatOpenId: openid } });
  return { staffName: staff.displayName || staff.username, botCommand: `绑定 ${c._id}`, expiresAt: c.expiresAt.toISOString() };
}

/**
 * Step 2, a private message `绑定 <code>` to the bot: links the contact id the puppet reports. Null when the text
 * is not a staff bind code (the caller answers as for any other message).
 */
export async function confirmInBot(app: AppContext, contactId: string, raw: string): Promise<string | null> {
  const c = await liveCode(app, raw);
  if (!c) return null;
  if (c.expiresAt <= app.clock.now()) return '这个绑定码已过期。请在管理后台“我的账号”重新生成二维码。';
  if (!(await StaffBindSteps(app.db).exists({ _id: `app:${c._id}` }))) return '请先用微信扫描管理后台“我的账号”里的二维码，在小程序中确认后，再发送这条消息。';
  try {
    await StaffBindSteps(app.db).create({ _id: `bot:${c._id}`, staffId: c.staffId, contactId, at: app.clock.now() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return '这个绑定码已经用过了。如需重新绑定，请在管理后台重新生成二维码。';
  }
  // One WeChat contact belongs to one staff account: a contact bound before to someone else moves here.
  await Staff(app.db).updateMany({ wechatId: contactId, _id: { $ne: c.staffId } }, { $unset: { wechatId: 1 } });
  await Staff(app.db).updateOne({ _id: c.staffId }, { $set: { wechatId: contactId } });
  const s = await Staff(app.db).findById(c.staffId, { displayName: 1, username: 1 }).lean();
  return `绑定成功！${s?.displayName || s?.username || ''}，您好。以后可以在这里给我发送工作指令，发送「帮助」查看可用指令。`;
}
