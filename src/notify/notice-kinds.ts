import { noticeKind } from '../dictionaries';

/**
 * Every subscribe-message kind the platform sends: each module declares its own (`AppModule.notices`) with the
 * flow whose first tap asks the resident for it. WeChat template ids come from `WECHAT_SUBSCRIBE_TEMPLATES`; an
 * unmapped kind uses its own key (the fake server).
 */
export interface NoticeKindDecl {
  kind: string;
  flow: 'talks' | 'referral' | 'insurance' | 'consult' | 'request' | 'screening';
}

/** The title residents see for each kind is its `noticeKind` label; the list is served in that dictionary's order. */
const titleOf = (kind: string): string | undefined => (noticeKind.values.includes(kind as never) ? noticeKind.label(kind) : undefined);
let declared: readonly NoticeKindDecl[] = [];

/** The modules' notice kinds, given once by the module list; each must have a title. */
export function useNoticeKinds(list: readonly NoticeKindDecl[]): void {
  const untitled = list.filter((n) => !titleOf(n.kind)).map((n) => n.kind);
  if (untitled.length) throw new Error(`notice kinds without a title: ${untitled.join(', ')}`);
  const order: readonly string[] = noticeKind.values;
  declared = [...list].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

export function noticeTemplates(templates: Readonly<Record<string, string>>) {
  return declared.map((n) => ({ kind: n.kind, title: titleOf(n.kind)!, flow: n.flow, templateId: templates[n.kind] ?? n.kind }));
}
