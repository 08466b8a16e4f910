import type { Context } from 'koa';
import type { AppContext } from '../context';
import { collectionOf } from '../db/coordination';
import { isDuplicateKey } from '../db/model';
import type { Principal } from './auth';
import { AppError } from './errors';
import { IdempotencyKeys, IdempotencyResults } from './idempotency.model';

type Result = { status: number; body: unknown };

/** The request's Idempotency-Key, checked; undefined when it has none. */
export function idempotencyKey(ctx: Context): string | undefined {
  const key = ctx.get('idempotency-key');
  if (!key) return undefined;
  if (!/^[\w-]{8,64}$/.test(key)) throw new AppError('BAD_IDEMPOTENCY_KEY', 400, 'Idempotency-Key 格式不正确');
  return key;
}

/**
 * The first request with a key inserts its claim (unique `_id`, so exactly one wins), runs, and inserts its
 * result, errors in the 4xx range included. A retry returns that result; a retry while the first is still
 * running gets 409. A 5xx or crash before the result leaves no result and the claim is removed, so the retry
 * runs again. Two inserts by `_id`, whatever the number of keys kept. Routes whose operation has a natural
 * key (a sign-up, a submission) answer retries from their own state instead (`idempotent: 'natural'`).
 */
export async function withIdempotency(app: AppContext, ctx: Context, run: () => Promise<Result>): Promise<Result> {
  const key = idempotencyKey(ctx);
  if (!key) return run();
  const p: Principal | undefined = ctx.state.principal;
  const who = p ? (p.type === 'resident' ? `r:${p.residentId}` : `s:${p.staff.id}`) : `ip:${ctx.ip}`;
  const _id = `${who}:${ctx.method}:${ctx.path}:${key}`;
  const createdAt = app.clock.now();
  try {
    await collectionOf(IdempotencyKeys(app.db)).insertOne({ _id, createdAt });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const first = await collectionOf(IdempotencyResults(app.db)).findOne({ _id });
    if (first) return { status: first.status as number, body: first.body };
    throw new AppError('REQUEST_IN_PROGRESS', 409, '上一次提交还在处理中，请稍候');
  }
  const keep = (r: Result) => collectionOf(IdempotencyResults(app.db)).insertOne({ _id, status: r.status, body: r.body, createdAt });
  try {
    const result = await run();
    await keep(result);
    return result;
  } catch (err) {
    if (err instanceof AppError && err.status < 500) {
      await keep({
        status: err.status,
        body: { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } },
      });
    } else {
      await collectionOf(IdempotencyKeys(app.db)).deleteOne({ _id });
    }
    throw err;
  }
}

/** Scheduled cleanup: keys are kept for a day. */
export async function purgeIdempotencyKeys(app: AppContext): Promise<number> {
  const before = { createdAt: { $lt: new Date(app.clock.now().getTime() - 24 * 3600_000) } };
  await IdempotencyResults(app.db).deleteMany(before);
  const r = await IdempotencyKeys(app.db).deleteMany(before);
  return r.deletedCount;
}
