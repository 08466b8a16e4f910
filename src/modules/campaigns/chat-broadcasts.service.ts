import crypto from 'node:crypto';
import { staffCaller, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError } from '../../http/errors';
import { findAreaInScope, getArea } from '../areas';
import { audit } from '../audit';
import { createBroadcast } from './campaigns.service';
import { ChatBroadcasts, ChatDecisions } from './chat-broadcasts.model';
import { areaLabel, countActiveRoomsUnder } from './rooms.service';

const CONFIRM_TTL_MS = 30 * 60_000;
const MAX_TEXT = 500;

async function resolveTarget(app: AppContext, staff: StaffPrincipal, target: string) {
  if (target === '全部' || target === '所有') return getArea(app, staff.areaCode);
  return findAreaInScope(app, staff.areaCode, target);
}

/** A staff member's broadcast by private chat: a preview with a six-digit code to confirm or cancel. */
export async function draftChatBroadcast(app: AppContext, staff: StaffPrincipal, contactId: string, target: string, text: string): Promise<string> {
  if (text.length > MAX_TEXT) return `内容太长（${text.length} 字），请控制在 ${MAX_TEXT} 字以内。`;
  const area = await resolveTarget(app, staff, target);
  if (!area) return `没有找到您管辖范围内的「${target}」。目标可以写「全部」，或镇街、村居的名称。`;
  const rooms = await countActiveRoomsUnder(app, area.code);
  if (!rooms) return `「${area.name}」下还没有绑定的群，无法广播。`;
  const now = app.clock.now();
  const areaName = await areaLabel(app, area);
  for (;;) {
    const code = String(crypto.randomInt(100000, 1000000));
    try {
      await ChatBroadcasts(app.db).create({
        _id: code,
        staffId: staff.id,
        contactId,
        areaCode: area.code,
        areaName,
        text,
        rooms,
        createdAt: now,
        expiresAt: new Date(now.getTime() + CONFIRM_TTL_MS),
      });
      return `【广播预览】\n发送到：${areaName}（${rooms} 个群）\n内容：${text}\n\n回复「确认 ${code}」发送，回复「取消 ${code}」放弃。30 分钟内有效。`;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}

/** The staff member's answer to a preview: cancel, or submit the broadcast for review (each code once). */
export async function decideChatBroadcast(
  app: AppContext,
  staff: StaffPrincipal,
  contactId: string,
  code: string,
  decision: 'confirm' | 'cancel',
): Promise<string> {
  const b = await ChatBroadcasts(app.db).findById(code).lean();
  if (!b || b.contactId !== contactId || b.staffId !== staff.id) return `没有找到确认码 ${code} 的广播。`;
  if (decision === 'confirm' && b.expiresAt <= app.clock.now()) return `确认码 ${code} 已过期，请重新发送广播指令。`;
  try {
    await ChatDecisions(app.db).create({ _id: code, decision, at: app.clock.now() });
  } catch (err) {
    if (isDuplicateKey(err)) return `确认码 ${code} 已经处理过了。`;
    throw err;
  }
  if (decision === 'cancel') return `已取消广播 ${code}，没有发送任何消息。`;
  try {
    const c = await createBroadcast(app, staffCaller(app, staff, audit), { title: `群聊广播 ${code}`, text: b.text, targets: { areaCodes: [b.areaCode] } });
    await ChatDecisions(app.db).updateOne({ _id: code }, { $set: { campaignId: String(c._id) } });
    return `广播 ${code} 已提交审核，另一位镇街或区管理员通过后发送到「${b.areaName}」的 ${b.rooms} 个群。`;
  } catch (err) {
    if (err instanceof AppError) return `广播未能创建：${err.message}`;
    throw err;
  }
}
