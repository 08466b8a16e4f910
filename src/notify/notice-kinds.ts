/**
 * Every subscribe-message kind the platform sends: each module declares its own (`AppModule.notices`) with the
 * flow whose first tap asks the resident for it. WeChat template ids come from `WECHAT_SUBSCRIBE_TEMPLATES`; an
 * unmapped kind uses its own key (the fake server).
 */
export interface NoticeKindDecl {
  kind: string;
  flow: 'talks' | 'referral' | 'insurance';
}

/** The title residents see for each kind; the list is served in this order. */
const NOTICE_KINDS = [
  { kind: 'talk_reminder', title: '活动提醒（前一天）' },
  { kind: 'talk_start', title: '活动即将开始' },
  { kind: 'talk_status', title: '报名结果和活动变动' },
  { kind: 'referral_status', title: '唇腭裂救助办理进度' },
  { kind: 'insurance_status', title: '保险登记审核结果' },
  { kind: 'insurance_renewal', title: '保险到期续保提醒' },
] as const;

const titleOf = (kind: string) => NOTICE_KINDS.find((n) => n.kind === kind)?.title;
let declared: readonly NoticeKindDecl[] = [];

/** The modules' notice kinds, given once by the module list; each must have a title. */
export function useNoticeKinds(list: readonly NoticeKindDecl[]): void {
  const untitled = list.filter((n) => !titleOf(n.kind)).map((n) => n.kind);
  if (untitled.length) throw new Error(`notice kinds without a title: ${untitled.join(', ')}`);
  const order = NOTICE_KINDS.map((n) => n.kind as string);
  declared = [...list].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

export function noticeTemplates(templates: Readonly<Record<string, string>>) {
  return declared.map((n) => ({ kind: n.kind, title: titleOf(n.kind)!, flow: n.flow, templateId: templates[n.kind] ?? n.kind }));
}
