/**
 * Loads a page (written with Component()) through miniprogram-simulate and drives the page lifecycle the way
 * WeChat does: attached → onLoad(query) → onShow.
 *
 * simulate.load() runs the page by `require(<path without extension>)`, so Jest resolves and transforms
 * index.ts itself; no compiled .js is needed. Jest's require.cache cannot be cleared, so each load runs in
 * jest.isolateModules to make the page call Component() again.
 */
import * as path from 'path';
import * as simulate from 'miniprogram-simulate';
import { MP_ROOT, settle, WxMock } from './wx-mock';

/**
 * WeChat's own WXML compiler (wcc, shipped by miniprogram-compiler) catches template errors the way DevTools
 * does, but exists only as an x86-64 binary; elsewhere fall back to the pure-JS one. MP_WXML_COMPILER overrides.
 */
const WXML_COMPILER: 'official' | 'simulate' =
  process.env.MP_WXML_COMPILER === 'simulate' || process.env.MP_WXML_COMPILER === 'official'
    ? process.env.MP_WXML_COMPILER
    : process.arch === 'x64'
      ? 'official'
      : 'simulate';

export type PageName =
  | 'home'
  | 'me'
  | 'profile'
  | 'privacy'
  | 'talks'
  | 'talks/detail'
  | 'talks/mine'
  | 'talks/checkin'
  | 'talks/feedback'
  | 'screenings'
  | 'staff-bind'
  | 'cleft'
  | 'insurance'
  | 'quiz'
  | 'quiz-answer'
  | 'quiz-result'
  | 'quiz-rank'
  | 'quiz-cert'
  | 'consult'
  | 'consult/mine'
  | 'consult/faq'
  | 'requests'
  | 'village-rules'
  | 'content'
  | 'content/article';
// j-component's instance/data are untyped enough that tests read them loosely.
export type RenderedPage = ReturnType<typeof simulate.render> & { instance: any; data: any };

export async function openPage(mock: WxMock, name: PageName, query: Record<string, string> = {}): Promise<RenderedPage> {
  let id = '';
  jest.isolateModules(() => {
    id = simulate.load(path.join(MP_ROOT, 'pages', name, 'index'), { rootPath: MP_ROOT, compiler: WXML_COMPILER });
  });
  const page = simulate.render(id) as RenderedPage;
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad?.(query);
  page.instance.onShow?.();
  await settle(mock);
  return page;
}

type Node = NonNullable<ReturnType<RenderedPage['querySelector']>>;

/** A tap (or another event) on the first node matching `selector` (or on `target`), then all it started. */
export async function fire(mock: WxMock, page: RenderedPage, target: string | Node, event = 'tap', detail: Record<string, unknown> = {}): Promise<void> {
  const node = typeof target === 'string' ? page.querySelector(target) : target;
  if (!node) throw new Error(`no node matches ${String(target)}`);
  node.dispatchEvent(event, { detail });
  await settle(mock);
}

export function exists(page: RenderedPage, selector: string): boolean {
  return page.querySelector(selector) !== undefined;
}

/** Visible text of the nodes matching `selector`. */
export function texts(page: RenderedPage, selector: string): string[] {
  return page.querySelectorAll(selector).map((n) => (n.dom.textContent ?? '').trim());
}

/** Classes on the page's root view, without miniprogram-simulate's `main--` style prefix. */
export function rootClasses(page: RenderedPage): string[] {
  const raw = (page.dom.firstElementChild as Element | null)?.getAttribute('class') ?? '';
  return raw
    .split(/\s+/)
    .filter(Boolean)
    .map((c) => c.replace(/^main--/, ''));
}
