import Router from '@koa/router';
import type { Middleware } from 'koa';

/** What registering a route needs: a @koa/router, or the groups below. */
export interface RouteTable {
  get(path: string | RegExp, ...middleware: Middleware[]): unknown;
  post(path: string | RegExp, ...middleware: Middleware[]): unknown;
  put(path: string | RegExp, ...middleware: Middleware[]): unknown;
  patch(path: string | RegExp, ...middleware: Middleware[]): unknown;
  delete(path: string | RegExp, ...middleware: Middleware[]): unknown;
}

/** Segments of a path that name its group (`api/v1/talks`, `api/admin/v1/quiz`, …). */
const DEPTH = 3;
const STATIC = /^[\w.-]+$/;

/** A route's group: its first DEPTH segments when all are plain text, else none (it goes with the rest). */
function routeGroup(path: string | RegExp): string | null {
  if (typeof path !== 'string') return null;
  const segments = path.split('/').filter(Boolean).slice(0, DEPTH);
  return segments.length === DEPTH && segments.every((s) => STATIC.test(s)) ? segments.join('/').toLowerCase() : null;
}

/** A request path's group: routes match paths case-insensitively, so groups do too. */
const requestGroup = (path: string): string =>
  path
    .split('/', DEPTH + 2)
    .filter(Boolean)
    .slice(0, DEPTH)
    .join('/')
    .toLowerCase();

/**
 * The service's routes as one @koa/router per group of paths (`/api/v1/talks/...`), plus one for the routes no
 * group can hold (patterns, short paths). A router tests its every route against each request and allocates as
 * it goes — with 180 routes that was about a tenth of a request's CPU and a quarter of its garbage — so a
 * request is matched against its own group's routes, then the rest's. Route handlers end the chain, so the
 * first route that matches answers, as with one router (routes of a group before the rest's: none overlap).
 */
export class RouteGroups implements RouteTable {
  private readonly groups = new Map<string, Router>();
  private readonly rest = new Router();

  private routerFor(path: string | RegExp): Router {
    const key = routeGroup(path);
    if (key === null) return this.rest;
    let r = this.groups.get(key);
    if (!r) this.groups.set(key, (r = new Router()));
    return r;
  }

  private add(method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string | RegExp, middleware: Middleware[]): this {
    this.routerFor(path)[method](path, ...middleware);
    return this;
  }
  get = (path: string | RegExp, ...middleware: Middleware[]) => this.add('get', path, middleware);
  post = (path: string | RegExp, ...middleware: Middleware[]) => this.add('post', path, middleware);
  put = (path: string | RegExp, ...middleware: Middleware[]) => this.add('put', path, middleware);
  patch = (path: string | RegExp, ...middleware: Middleware[]) => this.add('patch', path, middleware);
  delete = (path: string | RegExp, ...middleware: Middleware[]) => this.add('delete', path, middleware);

  /** The routes, then 405 / 501 / OPTIONS answers from every route whose path matched (as one router gives). */
  middleware(): Router.Middleware[] {
    const rest = this.rest.routes();
    const groups = new Map([...this.groups].map(([k, r]) => [k, r.routes()]));
    const dispatch: Router.Middleware = (ctx, next) => {
      const group = groups.get(requestGroup(ctx.path));
      return group ? group(ctx, () => rest(ctx, next)) : rest(ctx, next);
    };
    return [dispatch, this.rest.allowedMethods({ throw: false })];
  }
}
