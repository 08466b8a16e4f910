import type { Context } from 'koa';
import type { AppContext } from '../context';
import { isDuplicateKey } from '../db/model';
import type { Principal } from './auth';
import { AppError } from './errors';
import { IdempotencyKeys } from './idempotency.model';

type Result = { status: number; body: unknown };

/**
 * The first request with a key inserts a pending record (unique `_id`, so exactly one wins), runs, and stores
 * its result, errors in the 4xx range included. A retry returns that result; a retry while the first is still
 * running gets 409. A 5xx or crash leaves no record, so the retry runs again.
 */
export async function withIdempotency(app: AppContext, ctx: Context, run: () => Promise<Result>): Promise<Result> {
  const key = ctx.get('idempotency-key');
  if (!key) return run();
  if (!/^[\w-]{8,64}$/.test(key)) throw new AppError('BAD_IDEMPOTENCY_KEY', 400, 'Idempotency-Key 格式不正确');
  const p: Principal | undefined = ctx.state.principal;
  const who = p ? (p.type === 'resident' ? `r:${p.residentId}` : `s:${p.staff.id}`) : `ip:${ctx.ip}`;
  const id = `${who}:${ctx.method}:${ctx.path}:${key}`;
  const model = IdempotencyKeys(app.db);
  try {
    await model.create({ _id: id, state: 'pending', createdAt: app.clock.now() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const first = await model.findById(id).lean();
    if (first?.state === 'done' && first.status) return { status: first.status, body: first.body };
    throw new AppError('REQUEST_IN_PROGRESS', 409, '上一次提交还在处理中，请稍候');
  }
  try {
    const result = await run();
    await model.updateOne({ _id: id }, { $set: { state: 'done', status: result.status, body: result.body } });
    return result;
  } catch (err) {
    if (err instanceof AppError && err.status < 500) {
      const body = { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
      await model.updateOne({ _id: id }, { $set: { state: 'done', status: err.status, body } });
    } else {
      await model.deleteOne({ _id: id });
    }
    throw err;
  }
}

/** Scheduled cleanup: keys are kept for a day. */
export async function purgeIdempotencyKeys(app: AppContext): Promise<number> {
  const r = await IdempotencyKeys(app.db).deleteMany({ createdAt: { $lt: new Date(app.clock.now().getTime() - 24 * 3600_000) } });
  return r.deletedCount;
}
