import type { AppContext } from '../context';
import { decideChatBroadcast, draftChatBroadcast } from '../modules/campaigns';
import { confirmStaffBindInBot, findStaffByWechatId } from '../modules/staff';

export const REFUSAL = '您好，我是张店区家庭健康行动的小助手。群发功能只对登记过的工作人员开放。居民朋友有问题，请在村里的群中发送「帮助」。';
const HELP = '可用指令：\n广播 <目标> <内容>（目标：全部，或镇街、村居名称）\n确认 <确认码>\n取消 <确认码>';

/** A private message to the bot: staff commands from a linked WeChat contact; everyone else a polite refusal. */
export async function onPrivateText(app: AppContext, contactId: string, text: string): Promise<string> {
  // `绑定 <code>` from "bind my WeChat" in the console: anyone may send it, the code decides.
  const bind = /^绑定\s*([0-9A-Za-z]{8})$/.exec(text.trim());
  const bound = bind ? await confirmStaffBindInBot(app, contactId, bind[1]!) : null;
  if (bound) return bound;
  const staff = await findStaffByWechatId(app, contactId);
  if (!staff) return REFUSAL;
  const t = text.trim();
  const broadcast = /^广播\s+(\S+)\s+([\s\S]+)$/.exec(t);
  if (broadcast) return draftChatBroadcast(app, staff, contactId, broadcast[1]!, broadcast[2]!.trim());
  const decision = /^(确认|取消)\s*(\d{6})$/.exec(t);
  if (decision) return decideChatBroadcast(app, staff, contactId, decision[2]!, decision[1] === '确认' ? 'confirm' : 'cancel');
  return HELP;
}
