import crypto from 'node:crypto';
import type { AppContext } from '../context';
import { isDuplicateKey } from '../db/model';
import { AppError } from '../http/errors';
import { Areas } from '../modules/areas/areas.model';
import { areaLabel } from '../modules/campaigns/rooms.service';
import { BotRooms } from '../modules/campaigns/rooms.model';
import { ChatBroadcasts, ChatDecisions } from '../modules/campaigns/chat-broadcasts.model';
import { createBroadcast } from '../modules/campaigns/campaigns.service';
import { findStaffByWechatId, type StaffPrincipal } from '../modules/staff/staff.service';

export const REFUSAL = '您好，我是张店区家庭健康行动的小助手。群发功能只对登记过的工作人员开放。居民朋友有问题，请在村里的群中发送「帮助」。';
const HELP = '可用指令：\n广播 <目标> <内容>（目标：全部，或镇街、村居名称）\n确认 <确认码>\n取消 <确认码>';
const CONFIRM_TTL_MS = 30 * 60_000;
const MAX_TEXT = 500;

async function resolveTarget(app: AppContext, staff: StaffPrincipal, target: string) {
  if (target === '全部' || target === '所有') return Areas(app.db).findOne({ code: staff.areaCode }).lean();
  return Areas(app.db).findOne({ $or: [{ code: target }, { name: target }], path: staff.areaCode }).lean();
}

async function draft(app: AppContext, staff: StaffPrincipal, contactId: string, target: string, text: string): Promise<string> {
  if (text.length > MAX_TEXT) return `内容太长（${text.length} 字），请控制在 ${MAX_TEXT} 字以内。`;
  const area = await resolveTarget(app, staff, target);
  if (!area) return `没有找到您管辖范围内的「${target}」。目标可以写「全部」，或镇街、村居的名称。`;
  const rooms = await BotRooms(app.db).countDocuments({ active: true, areaPath: area.code });
  if (!rooms) return `「${area.name}」下还没有绑定的群，无法广播。`;
  const now = app.clock.now();
  const areaName = await areaLabel(app, area);
  for (;;) {
    const code = String(crypto.randomInt(100000, 1000000));
    try {
      await ChatBroadcasts(app.db).create({ _id: code, staffId: staff.id, contactId, areaCode: area.code, areaName, text, rooms, createdAt: now, expiresAt: new Date(now.getTime() + CONFIRM_TTL_MS) });
      return `【广播预览】\n发送到：${areaName}（${rooms} 个群）\n内容：${text}\n\n回复「确认 ${code}」发送，回复「取消 ${code}」放弃。30 分钟内有效。`;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}

async function decide(app: AppContext, staff: StaffPrincipal, contactId: string, code: string, decision: 'confirm' | 'cancel'): Promise<string> {
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
    const c = await createBroadcast(app, { staff }, { title: `群聊广播 ${code}`, text: b.text, targets: { areaCodes: [b.areaCode] } });
    await ChatDecisions(app.db).updateOne({ _id: code }, { $set: { campaignId: String(c._id) } });
    return `广播 ${code} 已提交审核，另一位镇街或区管理员通过后发送到「${b.areaName}」的 ${b.rooms} 个群。`;
  } catch (err) {
    if (err instanceof AppError) return `广播未能创建：${err.message}`;
    throw err;
  }
}

/** A private message to the bot: staff commands from a linked WeChat contact; everyone else a polite refusal. */
export async function onPrivateText(app: AppContext, contactId: string, text: string): Promise<string> {
  const staff = await findStaffByWechatId(app, contactId);
  if (!staff) return REFUSAL;
  const t = text.trim();
  const broadcast = /^广播\s+(\S+)\s+([\s\S]+)$/.exec(t);
  if (broadcast) return draft(app, staff, contactId, broadcast[1]!, broadcast[2]!.trim());
  const decision = /^(确认|取消)\s*(\d{6})$/.exec(t);
  if (decision) return decide(app, staff, contactId, decision[2]!, decision[1] === '确认' ? 'confirm' : 'cancel');
  return HELP;
}
