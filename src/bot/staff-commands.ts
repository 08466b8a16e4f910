import type { AppContext } from '../context';
import { modules } from '../modules';
import { findStaffByWechatId } from '../modules/staff';

export const REFUSAL = '您好，我是张店区家庭健康行动的小助手。群发功能只对登记过的工作人员开放。居民朋友有问题，请在村里的群中发送「帮助」。';

const commands = modules.flatMap((m) => m.botCommands?.private ?? []);
const HELP = `可用指令：\n${commands.flatMap((c) => c.help ?? []).join('\n')}`;

/**
 * A private message to the bot: the commands anyone may send (a code decides), then staff commands from a
 * linked WeChat contact, each module's in module order; everyone else a polite refusal, staff the help.
 */
export async function onPrivateText(app: AppContext, contactId: string, text: string): Promise<string> {
  const t = text.trim();
  for (const c of commands.filter((x) => x.who === 'anyone')) {
    const answer = await c.run(app, { contactId, text: t });
    if (answer !== null) return answer;
  }
  const staff = await findStaffByWechatId(app, contactId);
  if (!staff || staff.role === 'expert') return REFUSAL;
  for (const c of commands.filter((x) => x.who === 'staff')) {
    const answer = await c.run(app, { contactId, text: t, staff });
    if (answer !== null) return answer;
  }
  return HELP;
}
