import { noticeKind, type ValueOf } from '../dictionaries';

export type NoticeKind = ValueOf<typeof noticeKind>;

/**
 * Every subscribe-message kind the platform sends (titled by the `noticeKind` dictionary), with the flow whose
 * first tap asks the resident for it. WeChat template ids come from `WECHAT_SUBSCRIBE_TEMPLATES`; an unmapped
 * kind uses its own key (the fake server).
 */
const FLOWS: Readonly<Record<NoticeKind, 'talks' | 'referral' | 'insurance'>> = {
  talk_reminder: 'talks', talk_start: 'talks', talk_status: 'talks', referral_status: 'referral', insurance_status: 'insurance', insurance_renewal: 'insurance',
};

export function noticeTemplates(templates: Readonly<Record<string, string>>) {
  return noticeKind.values.map((kind) => ({ kind, title: noticeKind.labels[kind], flow: FLOWS[kind], templateId: templates[kind] ?? kind }));
}
