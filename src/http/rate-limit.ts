import type { Context, Next } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './errors';

/**
 * A fixed-window counter per key, in process (rate-limiter-flexible's memory store). It guards endpoints such as
 * login against bursts; the lasting protection (account lockout) lives in the database.
 */
export class Limiter {
  private readonly counter: RateLimiterMemory;

  constructor(opts: { max: number; windowMs: number }) {
    this.counter = new RateLimiterMemory({ points: opts.max, duration: Math.max(1, Math.round(opts.windowMs / 1000)) });
  }

  /** Count one hit for `key`; over the limit it throws 429 with the seconds until the window ends. */
  async take(key: string, ctx?: Context): Promise<void> {
    try {
      await this.counter.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      ctx?.set('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
      throw new AppError('RATE_LIMITED', 429, '操作太频繁，请稍后再试');
    }
  }
}

/** Route middleware: a limit per client address. */
export function rateLimit(opts: { windowMs: number; max: number }) {
  const limiter = new Limiter(opts);
  return async (ctx: Context, next: Next): Promise<void> => {
    await limiter.take(ctx.ip, ctx);
    await next();
  };
}
