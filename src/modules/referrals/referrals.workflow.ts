import type { Edges } from '../../lib/workflow';
import type { ReferralPersonal, ReferralStatus } from './referrals.model';
import { referralStatus } from '../../dictionaries';

/** submitted → reviewing → referred → surgery_scheduled → completed; not_eligible and withdrawn end it early. */
export const REFERRAL_EDGES: Edges<ReferralStatus> = {
  submitted: ['reviewing', 'not_eligible', 'withdrawn'],
  reviewing: ['referred', 'not_eligible', 'withdrawn'],
  referred: ['surgery_scheduled', 'not_eligible', 'withdrawn'],
  surgery_scheduled: ['completed', 'not_eligible', 'withdrawn'],
  completed: [],
  not_eligible: [],
  withdrawn: [],
};

export const STATUS_LABELS = referralStatus.labels;

type PriorityCode = 'approaching' | 'in_window' | 'past_window';
const PRIORITY_LABELS: Record<PriorityCode, string> = { approaching: '即将进入手术窗口', in_window: '正在最佳手术窗口', past_window: '已过最佳窗口，仍可救助' };

/** Whole months between a birth date (YYYY-MM-DD) and a day (YYYY-MM-DD). */
export function ageInMonths(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return (ty - by) * 12 + (tm - bm) - (td < bd ? 1 : 0);
}

/**
 * Staff hint from the usual repair windows (lip about 3–6 months, palate about 9–18 months). Shown, not enforced.
 * A combined cleft follows the lip window first, then the palate window.
 */
export function priorityHint(
  condition: ReferralPersonal['condition'],
  birthDate: string,
  today: string,
): { code: PriorityCode; label: string; ageMonths: number } {
  const m = ageInMonths(birthDate, today);
  let code: PriorityCode;
  if (condition === 'cleft_lip') code = m < 3 ? 'approaching' : m <= 6 ? 'in_window' : 'past_window';
  else if (condition === 'cleft_palate') code = m < 9 ? 'approaching' : m <= 18 ? 'in_window' : 'past_window';
  else code = m < 3 ? 'approaching' : m <= 6 ? 'in_window' : m < 9 ? 'approaching' : m <= 18 ? 'in_window' : 'past_window';
  return { code, label: PRIORITY_LABELS[code], ageMonths: m };
}
