/**
 * Every subscribe-message kind the platform sends, with the flow whose first tap asks the resident for it.
 * WeChat template ids come from `WECHAT_SUBSCRIBE_TEMPLATES`; an unmapped kind uses its own key (the fake server).
 */
const NOTICE_KINDS = [
  { kind: 'talk_reminder', title: '活动提醒（前一天）', flow: 'talks' },
  { kind: 'talk_start', title: '活动即将开始', flow: 'talks' },
  { kind: 'talk_status', title: '报名结果和活动变动', flow: 'talks' },
  { kind: 'referral_status', title: '唇腭裂救助办理进度', flow: 'referral' },
  { kind: 'insurance_status', title: '保险登记审核结果', flow: 'insurance' },
  { kind: 'insurance_renewal', title: '保险到期续保提醒', flow: 'insurance' },
] as const;

export type NoticeKind = (typeof NOTICE_KINDS)[number]['kind'];

export function noticeTemplates(templates: Readonly<Record<string, string>>) {
  return NOTICE_KINDS.map((n) => ({ kind: n.kind, title: n.title, flow: n.flow, templateId: templates[n.kind] ?? n.kind }));
}
