import Koa from 'koa';
import helmet from 'koa-helmet';
import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { AccessPorts } from '../access';
import type { AppContext } from '../context';
import { consoleRoutes } from './console';
import { errorMiddleware } from './errors';
import { createHttpMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { requestIdMiddleware } from './request-id';
import { Api, type RouteModule } from './route';
import { RouteGroups } from './route-groups';

interface HttpAppOptions {
  /** What is served: each module registers its routes. */
  modules: readonly RouteModule[];
  /** How the modules know and audit a caller. */
  access: AccessPorts;
  /** Database readiness, for /readyz. */
  isReady: () => boolean;
  /** Extra routes (tests register failure cases here). */
  extraRoutes?: (api: Api) => void;
}

/** Build the Koa app: error shape first, then request id, metrics, security headers, routes. */
export function createHttpApp(app: AppContext, opts: HttpAppOptions): Koa {
  const koa = new Koa({ proxy: app.config.TRUST_PROXY });
  const router = new RouteGroups();
  const registry = new OpenAPIRegistry();
  const metrics = createHttpMetrics();

  koa.use(errorMiddleware(app.logger));
  koa.use(requestIdMiddleware);
  koa.use(metrics.middleware);
  koa.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  // wx.request cannot send PATCH; the mini-program sends POST with this header instead.
  koa.use(async (c, next) => {
    if (c.method === 'POST' && c.get('x-http-method-override').toUpperCase() === 'PATCH') c.method = 'PATCH';
    await next();
  });
  koa.use(async (c, next) => {
    const started = Date.now();
    await next();
    app.logger.debug({ event: 'http.request', method: c.method, route: c._matchedRoute, status: c.status, ms: Date.now() - started }, 'request');
  });

  router.get('/healthz', (c) => {
    c.body = { status: 'ok' };
  });
  router.get('/readyz', (c) => {
    const ready = opts.isReady();
    c.status = ready ? 200 : 503;
    c.body = ready ? { status: 'ready' } : { error: { code: 'NOT_READY', message: '服务暂不可用' } };
  });
  router.get('/metrics', async (c) => {
    c.type = metrics.registry.contentType;
    c.body = await metrics.registry.metrics();
  });

  consoleRoutes(router);

  const api = new Api(app, opts.access, router, registry);
  for (const m of opts.modules) m.routes(api);
  opts.extraRoutes?.(api);
  const document = openApiDocument(registry);
  router.get('/api/openapi.json', (c) => {
    c.body = document;
  });

  for (const m of router.middleware()) koa.use(m);
  return koa;
}
