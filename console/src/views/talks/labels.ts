import type { components } from '../../api/schema';

export type StaffTalk = components['schemas']['StaffTalk'];
export type Talk = components['schemas']['Talk'];
export type TalkKind = StaffTalk['kind'];
export type TalkStatus = StaffTalk['status'];

export const KIND_LABELS: Record<TalkKind, string> = { lecture: '健康讲座', screening: '筛查', checkup: '体检', youth: '青少年活动', other: '其他' };
export const STATUS_LABELS: Record<TalkStatus, string> = { draft: '草稿', published: '报名中', closed: '已截止报名', cancelled: '已取消', finished: '已结束' };
export const STATUS_TAGS: Record<TalkStatus, 'info' | 'success' | 'warning' | 'danger' | 'primary'> = {
  draft: 'info', published: 'success', closed: 'warning', cancelled: 'danger', finished: 'primary',
};
export const ROSTER_STATUS: Record<string, string> = { confirmed: '已确认', waitlisted: '候补', walk_in: '现场登记' };
export const SEX_LABELS: Record<'male' | 'female', string> = { male: '仅限男性', female: '仅限女性' };

/** "仅限女性，18–49 岁" — the eligibility rules in words; empty when anyone may sign up. */
export function eligibilityText(e: StaffTalk['eligibility'], localOnly: boolean): string {
  const parts: string[] = [];
  if (e.sex) parts.push(SEX_LABELS[e.sex]);
  if (e.minAge !== undefined && e.maxAge !== undefined) parts.push(`${e.minAge}–${e.maxAge} 岁`);
  else if (e.minAge !== undefined) parts.push(`${e.minAge} 岁及以上`);
  else if (e.maxAge !== undefined) parts.push(`${e.maxAge} 岁及以下`);
  if (localOnly) parts.push('仅限本地居民');
  return parts.join('，') || '不限';
}
