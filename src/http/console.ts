import fs from 'node:fs';
import path from 'node:path';
import type { RouteTable } from './route-groups';
import send from 'koa-send';
import type { Context } from 'koa';

/** The built staff console (`console/dist`), found from both the sources and the compiled `dist/src/http`. */
function consoleDir(): string | null {
  for (const root of [path.resolve(__dirname, '../..'), path.resolve(__dirname, '../../..')]) {
    const dir = path.join(root, 'console', 'dist');
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return null;
}

/**
 * What the console's pages need from the browser, and nothing more: its own scripts, styles (Element Plus sets
 * inline style attributes), images including generated QR codes (data:/blob:), and calls to this origin.
 */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HOME_PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>张店区家庭健康行动 · 数字平台</title></head>
<body>
<h1>张店区家庭健康行动 · 数字平台</h1>
<ul>
<li><a href="/admin/">工作人员管理后台</a></li>
<li><a href="/api/openapi.json">接口文档（OpenAPI 3）</a></li>
<li><a href="/healthz">服务状态</a></li>
</ul>
<p>居民请使用微信小程序。</p>
</body></html>
`;

/**
 * `GET /` links the console and the API document; `/admin/*` serves the built console: hashed assets cached for
 * a year, every other path answered with index.html (the single-page app routes in the browser), never cached.
 */
export function consoleRoutes(router: RouteTable, dir = consoleDir()): void {
  router.get('/', (ctx) => {
    ctx.type = 'html';
    ctx.body = HOME_PAGE;
  });
  router.get(/^\/admin(\/.*)?$/, async (ctx: Context) => {
    if (ctx.path === '/admin') {
      ctx.status = 301;
      ctx.redirect('/admin/');
      return;
    }
    ctx.set('Content-Security-Policy', CONSOLE_CSP);
    if (!dir) {
      ctx.status = 503;
      ctx.body = { error: { code: 'CONSOLE_NOT_BUILT', message: '管理后台尚未构建，请先运行 npm run console:build' } };
      return;
    }
    const rel = ctx.path.slice('/admin/'.length);
    if (rel.startsWith('assets/')) {
      const served = await send(ctx, rel, { root: dir, gzip: false, brotli: false }).catch(() => null);
      // Hashed names change with their content: a year, never revalidated.
      if (served) ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      else {
        ctx.status = 404;
        ctx.body = { error: { code: 'NOT_FOUND', message: '文件不存在' } };
      }
      return;
    }
    ctx.set('Cache-Control', 'no-cache');
    await send(ctx, 'index.html', { root: dir });
  });
}
