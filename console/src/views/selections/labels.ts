import type { components } from '../../api/schema';
import { labels } from '../../api/dictionaries';

export type Round = components['schemas']['SelectionRoundView'];
export type Nomination = components['schemas']['SelectionNominationView'];
export type RoundStatus = Round['status'];
export type NominationStatus = Nomination['status'];

export const KIND_LABELS: Readonly<Record<Round['kind'], string>> = labels('selectionKind');
export const ROUND_TAGS: Record<RoundStatus, 'info' | 'warning' | 'success' | 'danger' | 'primary'> = {
  draft: 'info',
  nominating: 'primary',
  reviewing: 'warning',
  voting: 'success',
  closed: 'warning',
  published: 'success',
};
/** The one next step of each status, with the button's words and what the confirm box tells. */
export const NEXT_STEP: Partial<Record<RoundStatus, { to: RoundStatus; label: string; note: string }>> = {
  draft: { to: 'nominating', label: '开始推荐', note: '开始后村里和居民即可推荐，评选内容不能再修改。' },
  nominating: { to: 'reviewing', label: '截止推荐，进入审核', note: '截止后不再接受新的推荐。' },
  reviewing: { to: 'voting', label: '开始投票', note: '候选名单会发到活动范围内的村居微信群（按群消息审核规则）。' },
  voting: { to: 'closed', label: '结束投票', note: '结束后居民不能再投票。' },
  closed: { to: 'published', label: '公布结果', note: '获奖名单会固定下来，并发到活动范围内的村居微信群。' },
};
export const NOMINATION_LABELS: Readonly<Record<NominationStatus, string>> = labels('nominationStatus');
export const NOMINATION_TAGS: Record<NominationStatus, 'info' | 'warning' | 'success' | 'danger'> = {
  pending: 'warning',
  approved: 'success',
  rejected: 'danger',
  merged: 'info',
};
export const CONSENT_LABELS: Readonly<Record<string, string>> = labels('consentMethod');
export const FLAG_LABELS: Readonly<Record<string, string>> = labels('voteFlag');
