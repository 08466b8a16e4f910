import type { TalkDoc } from './talks.model';

export const SEX_NAMES = { male: '男性', female: '女性' } as const;

/** Who may come, in words ("仅限女性，35–64 岁"), or null when anyone may. */
export function eligibilityText(talk: Pick<TalkDoc, 'eligibility' | 'localOnly'>, areaName?: string | null): string | null {
  const e = talk.eligibility ?? {};
  const parts: string[] = [];
  if (e.sex) parts.push(`仅限${SEX_NAMES[e.sex]}`);
  if (e.minAge !== undefined && e.maxAge !== undefined) parts.push(`${e.minAge}–${e.maxAge} 岁`);
  else if (e.minAge !== undefined) parts.push(`${e.minAge} 岁以上`);
  else if (e.maxAge !== undefined) parts.push(`${e.maxAge} 岁以下`);
  if (talk.localOnly) parts.push(`限${areaName ?? '本地区'}居民`);
  return parts.length ? parts.join('，') : null;
}
