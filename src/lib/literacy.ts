/** Health-literacy level: proportions with 95% intervals, and the change between two rounds. */

const Z = 1.959963984540054; // two-sided 95%

/** Below this many takers an area's level is shown but marked: the interval is too wide to say anything. */
export const MIN_SAMPLE = 30;

/** Reference lines drawn beside every level. */
export const TARGETS = [
  { key: 'district2022', label: '区目标（2022年）', value: 0.22 },
  { key: 'district2030', label: '区目标（2030年）', value: 0.3 },
  { key: 'national2020', label: '全国水平（2020年）', value: 0.2315 },
] as const;

export interface Proportion {
  n: number;
  x: number;
  /** x / n, null without takers. */
  p: number | null;
  /** Wilson score interval at 95%. */
  low: number | null;
  high: number | null;
  tooSmall: boolean;
}

/** Wilson score interval: stays inside [0, 1] and behaves at 0 and n, unlike the normal approximation. */
export function wilson(x: number, n: number): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = x / n;
  const z2 = Z * Z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (Z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export function proportion(x: number, n: number): Proportion {
  if (n === 0) return { n, x, p: null, low: null, high: null, tooSmall: true };
  const { low, high } = wilson(x, n);
  return { n, x, p: x / n, low, high, tooSmall: n < MIN_SAMPLE };
}

export interface Change {
  /** after − before. */
  diff: number | null;
  low: number | null;
  high: number | null;
  tooSmall: boolean;
}

/**
 * Change between two rounds with a 95% interval by Newcombe's hybrid score method (1998, method 10): it
 * combines the two Wilson intervals, so it inherits their good behaviour at small n and near 0 or 1. The
 * rounds are treated as independent samples (each round is taken by whoever comes; a resident in both
 * rounds makes the interval slightly conservative, not wrong in direction).
 */
export function change(before: Proportion, after: Proportion): Change {
  if (before.p === null || after.p === null) return { diff: null, low: null, high: null, tooSmall: true };
  const d = after.p - before.p;
  const lowBefore = before.low!,
    highBefore = before.high!,
    lowAfter = after.low!,
    highAfter = after.high!;
  const low = d - Math.sqrt((after.p - lowAfter) ** 2 + (highBefore - before.p) ** 2);
  const high = d + Math.sqrt((highAfter - after.p) ** 2 + (before.p - lowBefore) ** 2);
  return { diff: d, low, high, tooSmall: before.tooSmall || after.tooSmall };
}
