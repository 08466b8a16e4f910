import type { components } from '../../api/schema';
import { labels } from '../../api/dictionaries';

export type StaffTalk = components['schemas']['StaffTalk'];
export type Talk = components['schemas']['Talk'];
export type TalkKind = StaffTalk['kind'];
export type TalkStatus = StaffTalk['status'];

export const KIND_LABELS: Readonly<Record<TalkKind, string>> = labels('talkKind');
export const STATUS_LABELS: Readonly<Record<TalkStatus, string>> = labels('talkStatus');
export const STATUS_TAGS: Record<TalkStatus, 'info' | 'success' | 'warning' | 'danger' | 'primary'> = {
  draft: 'info',
  published: 'success',
  closed: 'warning',
  cancelled: 'danger',
  finished: 'primary',
};
export const ROSTER_STATUS: Readonly<Record<string, string>> = labels('rosterStatus');
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
