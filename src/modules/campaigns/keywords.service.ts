import type { Caller } from '../../access';
import type { AppContext } from '../../context';
import type { Card } from './campaigns.model';
import { Keywords } from './keywords.model';

export interface KeywordReply {
  keyword: string;
  reply: string;
  card?: Card;
  enabled: boolean;
  custom: boolean;
}

/** Defaults answer with general campaign text only: never anything personal in a group. */
const DEFAULT_KEYWORDS: Record<string, { reply: string; card?: Card }> = {
  答题: {
    reply: '健康知识答题每天都能参加，答对有积分。点开小程序「张店家庭健康」→「健康答题」。',
    card: { title: '健康知识答题', pagePath: 'pages/quiz/index' },
  },
  讲座: {
    reply: '健康讲座和免费筛查的时间、地点、参加条件，都在小程序「张店家庭健康」首页「健康讲座」里，先看自己村和镇的场次，点进去就能报名。',
    card: { title: '健康讲座', pagePath: 'pages/talks/index' },
  },
  报名: { reply: '讲座报名：打开小程序「张店家庭健康」→「健康讲座」，选好场次点「报名」即可。', card: { title: '讲座报名', pagePath: 'pages/talks/index' } },
  保险: {
    reply:
      '计生协组织的家庭意外伤害保险：打开小程序「张店家庭健康」，首页点「家庭保险」，填好要参保的家人，村里工作人员核对后收费出单，出单后有消息提醒。城乡居民医保缴费不在这里办，请问村里的工作人员。',
    card: { title: '家庭意外伤害保险登记', pagePath: 'pages/insurance/index' },
  },
  唇腭裂: {
    reply:
      '家里孩子有唇腭裂的，可以申请手术救助：打开小程序「张店家庭健康」，首页点「唇腭裂救助」，填写孩子的情况提交。工作人员审核后会单独联系您，办理进度有消息提醒，孩子的情况不会在群里说。',
    card: { title: '唇腭裂救助申请', pagePath: 'pages/cleft/index' },
  },
  帮助: {
    reply: '在群里发：答题、讲座、报名、保险、唇腭裂，我会告诉您在小程序「张店家庭健康」里怎么办。个人的事请私下问村里的工作人员，不要在群里发身份证号和电话。',
  },
};

export async function listKeywords(app: AppContext): Promise<KeywordReply[]> {
  const custom = new Map((await Keywords(app.db).find().lean()).map((k) => [k._id, k]));
  const out: KeywordReply[] = [];
  for (const [keyword, d] of Object.entries(DEFAULT_KEYWORDS)) {
    const c = custom.get(keyword);
    out.push(c ? { keyword, reply: c.reply, card: c.card, enabled: c.enabled, custom: true } : { keyword, ...d, enabled: true, custom: false });
    custom.delete(keyword);
  }
  for (const c of custom.values()) out.push({ keyword: c._id, reply: c.reply, card: c.card, enabled: c.enabled, custom: true });
  return out;
}

export async function setKeyword(
  app: AppContext,
  caller: Caller,
  keyword: string,
  input: { reply: string; card?: Card; enabled: boolean },
): Promise<KeywordReply> {
  await Keywords(app.db).replaceOne({ _id: keyword }, { _id: keyword, ...input, updatedBy: caller.staff.id, updatedAt: app.clock.now() }, { upsert: true });
  await caller.audit('bot.keyword.set', { type: 'bot_keyword', id: keyword });
  return { keyword, ...input, custom: true };
}

/** The reply for a group message that is exactly a keyword (after trimming), if any. */
export async function matchKeyword(app: AppContext, text: string): Promise<KeywordReply | null> {
  const word = text.trim();
  if (!word || word.length > 10) return null;
  const found = (await listKeywords(app)).find((k) => k.keyword === word);
  return found?.enabled ? found : null;
}
