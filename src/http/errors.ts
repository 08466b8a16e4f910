import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import type { Logger } from 'pino';
import type { ErrorCode } from '../dictionaries';

/** An operational error: its code (one the `errorCode` dictionary names) and Chinese message are meant for the caller. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what = '内容'): AppError => new AppError('NOT_FOUND', 404, `${what}不存在`);
export const forbidden = (message = '没有权限'): AppError => new AppError('FORBIDDEN', 403, message);

/** One bad input field; every validation error's details are a list of these. */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * A bad value in one input field, with details `[{path, message}]` — the one shape clients read to put the
 * message under the field (`path` is dotted, e.g. `targets.roomIds`, `insured.0.idCard`). `code` and `status`
 * name a more specific failure where the caller tells them apart (`INVALID_AREA`, 409 `USERNAME_TAKEN`).
 */
export function validationError(path: string, message: string, opts: { code?: ErrorCode; status?: number } = {}): AppError {
  return new AppError(opts.code ?? 'VALIDATION_FAILED', opts.status ?? 400, message, [{ path, message }] satisfies FieldError[]);
}

export function zodDetails(err: ZodError): FieldError[] {
  return err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** First in the chain: every error leaves as `{error:{code,message,details}}`; 5xx never leak internals. */
export function errorMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('NOT_FOUND', 404, '请求的地址不存在');
    } catch (err) {
      const e = toAppError(err);
      if (e.status >= 500) logger.error({ err, event: 'http.unhandled' }, 'unhandled error');
      ctx.status = e.status;
      ctx.body = { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
    }
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new AppError('VALIDATION_FAILED', 400, '提交的内容不正确', zodDetails(err));
  const e = err as { status?: number; type?: string; expose?: boolean };
  if (e?.type === 'entity.too.large' || e?.status === 413) return new AppError('PAYLOAD_TOO_LARGE', 413, '提交的内容太大');
  if (e?.type === 'entity.parse.failed') return new AppError('INVALID_JSON', 400, '提交的内容不是有效的 JSON');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    return new AppError('BAD_REQUEST', e.status, '请求无法处理');
  }
  return new AppError('INTERNAL', 500, '服务器开小差了，请稍后再试');
}
