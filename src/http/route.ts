import bodyParser from '@koa/bodyparser';
import type { RouteTable } from './route-groups';
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Context, Middleware } from 'koa';
import type { z, ZodTypeAny } from 'zod';
import type { AccessPorts, StaffRole } from '../access';
import type { AppContext } from '../context';
import { authenticate } from './auth';
import { checkResponse } from './contract';
import { AppError } from './errors';
import { withIdempotency } from './idempotency';
import { registerNamedSchemas } from './openapi-names';
import { ErrorBody, z as zod } from './zod';

const IdempotencyHeader = zod.object({ 'idempotency-key': zod.string().min(8).max(64).optional() });

type Infer<T> = T extends ZodTypeAny ? z.infer<T> : undefined;

interface RouteBase<B extends ZodTypeAny | undefined, Q extends ZodTypeAny | undefined, P extends ZodTypeAny | undefined> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Koa path, e.g. `/api/v1/talks/:id`. */
  path: string;
  summary: string;
  tags: string[];
  auth: 'none' | 'resident' | 'staff';
  roles?: readonly StaffRole[];
  body?: B;
  query?: Q;
  params?: P;
  /** Success status (default 200). */
  status?: number;
  /**
   * Honour an `Idempotency-Key` header: a retry gets the first result. `'natural'`: the operation has its own
   * unique key and answers a retry from its state (the handler reads the key with `idempotencyKey(ctx)`).
   */
  idempotent?: boolean | 'natural';
  bodyLimitKb?: number;
  middleware?: Middleware[];
  handler: (ctx: Context, input: { body: Infer<B>; query: Infer<Q>; params: Infer<P> }) => Promise<unknown>;
}

/**
 * Every route says what a success looks like: a JSON `response` schema (documented in OpenAPI, and checked
 * against the handler's result when running tests — see `checkResponse`; `NoContent` for 204), or `raw` when
 * the handler writes a file itself.
 */
type Reply =
  | { response: ZodTypeAny; raw?: never }
  /** A file route may still describe its JSON variant (`?format=json`) with `response`. */
  | { raw: { contentType: string }; response?: ZodTypeAny };

type RouteSpec<B extends ZodTypeAny | undefined, Q extends ZodTypeAny | undefined, P extends ZodTypeAny | undefined> = RouteBase<B, Q, P> & Reply;

/** A body Koa will send as JSON (not a file, stream or text). */
const isJsonBody = (b: unknown): boolean => typeof b === 'object' && b !== null && !Buffer.isBuffer(b) && typeof (b as { pipe?: unknown }).pipe !== 'function';

const openApiPath = (p: string): string => p.replace(/:(\w+)/g, '{$1}');

/** What registers routes on the API (every module does). */
export interface RouteModule {
  routes(api: Api): void;
}

/** Registers a route on the router and its description in the OpenAPI registry, from the same zod schemas. */
export class Api {
  /** Component names already registered in the document (see registerNamedSchemas). */
  private readonly named = new Set<string>();
  /** Check every handler result against its `response` schema (on when running tests). */
  private readonly checkResponses: boolean;

  constructor(
    readonly app: AppContext,
    private readonly access: AccessPorts,
    private readonly router: RouteTable,
    private readonly registry: OpenAPIRegistry,
  ) {
    const checks = app.config.RESPONSE_CHECKS;
    this.checkResponses = checks === 'auto' ? app.config.NODE_ENV === 'test' : checks === 'true';
  }

  route<B extends ZodTypeAny | undefined = undefined, Q extends ZodTypeAny | undefined = undefined, P extends ZodTypeAny | undefined = undefined>(
    spec: RouteSpec<B, Q, P>,
  ): void {
    const where = `${spec.method.toUpperCase()} ${spec.path}`;
    // The type already requires one; this stops a route that got past it (a cast) at startup.
    if (!spec.response && !spec.raw) throw new Error(`${where} declares no response schema`);
    this.document(spec);
    const limit = `${spec.bodyLimitKb ?? this.app.config.BODY_LIMIT_KB}kb`;
    const parser = bodyParser({
      enableTypes: ['json'],
      jsonLimit: limit,
      encoding: 'utf-8',
      onError: (err) => {
        const status = (err as { status?: number }).status;
        if (status === 413) throw new AppError('PAYLOAD_TOO_LARGE', 413, '提交的内容太大');
        throw new AppError('INVALID_JSON', 400, '提交的内容不是有效的 JSON');
      },
    });
    const handler: Middleware = async (ctx) => {
      if (spec.auth !== 'none') ctx.state.principal = await authenticate(this.app, this.access, ctx, spec.auth, spec.roles);
      if (spec.body && ctx.request.length && !ctx.is('application/json')) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, '请以 JSON 格式提交');
      }
      const input = {
        params: (spec.params ? spec.params.parse(ctx.params) : undefined) as Infer<P>,
        query: (spec.query ? spec.query.parse(ctx.query) : undefined) as Infer<Q>,
        body: (spec.body ? spec.body.parse(ctx.request.body ?? {}) : undefined) as Infer<B>,
      };
      if (spec.raw) {
        await spec.handler(ctx, input);
        if (this.checkResponses && spec.response && isJsonBody(ctx.body)) checkResponse(spec.response, ctx.body, where);
        return;
      }
      const response = spec.response;
      const run = async (): Promise<{ status: number; body: unknown }> => {
        const body = await spec.handler(ctx, input);
        if (this.checkResponses && response) checkResponse(response, body, where);
        return { status: spec.status ?? 200, body };
      };
      const result = spec.idempotent === true ? await withIdempotency(this.app, ctx, run) : await run();
      ctx.status = result.status;
      ctx.body = result.body ?? null;
      if (result.status === 204) ctx.body = null;
    };
    const chain: Middleware[] = [...(spec.body ? [parser as unknown as Middleware] : []), ...(spec.middleware ?? []), handler];
    this.router[spec.method](spec.path, ...chain);
  }

  private document(spec: RouteSpec<ZodTypeAny | undefined, ZodTypeAny | undefined, ZodTypeAny | undefined>): void {
    registerNamedSchemas(this.registry, this.named, [spec.body, spec.response]);
    const errors = { description: 'Error', content: { 'application/json': { schema: ErrorBody } } };
    const config: RouteConfig = {
      method: spec.method,
      path: openApiPath(spec.path),
      summary: spec.summary,
      tags: spec.tags,
      security: spec.auth === 'none' ? [] : [{ [spec.auth === 'staff' ? 'staffToken' : 'residentToken']: [] }],
      request: {
        ...(spec.params ? { params: spec.params as never } : {}),
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } } } } : {}),
        ...(spec.idempotent ? { headers: IdempotencyHeader } : {}),
      },
      responses: {
        [spec.status ?? 200]: spec.raw
          ? {
              description: 'File',
              content: {
                [spec.raw.contentType]: { schema: { type: 'string', format: 'binary' } },
                ...(spec.response ? { 'application/json': { schema: spec.response } } : {}),
              },
            }
          : spec.status === 204
            ? { description: 'No content' }
            : { description: 'OK', ...(spec.response ? { content: { 'application/json': { schema: spec.response } } } : {}) },
        '4XX': errors,
        '5XX': errors,
      },
    };
    this.registry.registerPath(config);
  }
}
