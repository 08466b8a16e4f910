/** Resolve after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The pause before retry number `attempt` (from 0): `baseMs` doubled per attempt up to `capMs`; with `jitter`
 * scaled by a random factor in [0.5, 1.5), so processes that lost the same race do not retry in step.
 */
export const backoffMs = (attempt: number, baseMs: number, capMs: number, jitter = true): number =>
  Math.min(baseMs * 2 ** attempt, capMs) * (jitter ? 0.5 + Math.random() : 1);
