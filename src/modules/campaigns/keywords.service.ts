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
export const DEFAULT_KEYWORDS: Record<string, { reply: string; card?: Card }> = {
  答题: { reply: '健康知识答题每天都能参加，答对有积分。点开小程序「张店家庭健康」→「健康答题」。', card: { title: '健康知识答题', pagePath: 'pages/quiz/index' } },
  讲座: { reply: '近期健康讲座的时间和地点，请在小程序「张店家庭健康」→「健康讲座」里查看并报名。', card: { title: '健康讲座', pagePath: 'pages/talks/index' } },
  报名: { reply: '讲座报名：打开小程序「张店家庭健康」→「健康讲座」，选好场次点「报名」即可。', card: { title: '讲座报名', pagePath: 'pages/talks/index' } },
  保险: { reply: '城乡居民医保正在集中参保缴费，具体政策和办理方法请看小程序「张店家庭健康」→「医保参保」，也可以问村里的工作人员。', card: { title: '医保参保', pagePath: 'pages/insurance/index' } },
  唇腭裂: { reply: '唇腭裂患儿有免费筛查和救助，请在小程序「张店家庭健康」→「唇腭裂救助」里登记，工作人员会私下联系您。', card: { title: '唇腭裂救助', pagePath: 'pages/cleft/index' } },
  帮助: { reply: '您可以在群里发：答题、讲座、报名、保险、唇腭裂，我会告诉您怎么办理。有问题也可以找村里的工作人员。' },
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

export async function setKeyword(app: AppContext, keyword: string, input: { reply: string; card?: Card; enabled: boolean }, staffId: string): Promise<KeywordReply> {
  await Keywords(app.db).replaceOne({ _id: keyword }, { _id: keyword, ...input, updatedBy: staffId, updatedAt: app.clock.now() }, { upsert: true });
  return { keyword, ...input, custom: true };
}

/** The reply for a group message that is exactly a keyword (after trimming), if any. */
export async function matchKeyword(app: AppContext, text: string): Promise<KeywordReply | null> {
  const word = text.trim();
  if (!word || word.length > 10) return null;
  const found = (await listKeywords(app)).find((k) => k.keyword === word);
  return found?.enabled ? found : null;
}
