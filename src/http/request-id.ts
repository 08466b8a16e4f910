import crypto from 'node:crypto';
import type { Context, Next } from 'koa';
import { requestContext } from '../logger';

/** Accept a sane incoming X-Request-Id or make one; every log line in the request carries it. */
export async function requestIdMiddleware(ctx: Context, next: Next): Promise<void> {
  const incoming = ctx.get('x-request-id');
  const requestId = /^[\w-]{8,64}$/.test(incoming) ? incoming : crypto.randomUUID();
  ctx.state.requestId = requestId;
  ctx.set('X-Request-Id', requestId);
  await requestContext.run({ requestId }, next);
}
