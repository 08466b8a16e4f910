import type { Context, Next } from 'koa';
import { AppError } from './errors';

/**
 * Fixed-window limit per client IP, in process. It guards endpoints such as login against bursts from one
 * address; the lasting protection (account lockout) lives in the database.
 */
export function rateLimit(opts: { windowMs: number; max: number; now?: () => number }) {
  const hits = new Map<string, { start: number; count: number }>();
  const now = opts.now ?? Date.now;
  return async (ctx: Context, next: Next): Promise<void> => {
    const t = now();
    if (hits.size > 10_000) for (const [k, v] of hits) if (t - v.start >= opts.windowMs) hits.delete(k);
    const entry = hits.get(ctx.ip);
    if (!entry || t - entry.start >= opts.windowMs) hits.set(ctx.ip, { start: t, count: 1 });
    else if (++entry.count > opts.max) {
      ctx.set('Retry-After', String(Math.ceil((entry.start + opts.windowMs - t) / 1000)));
      throw new AppError('RATE_LIMITED', 429, '操作太频繁，请稍后再试');
    }
    await next();
  };
}
