/**
 * A resident's phone for journey tests: starts at the home page and follows every navigation the pages make
 * (navigateTo opens the page with its query, navigateBack shows the one below again, redirectTo replaces,
 * switchTab starts from that tab), counting the resident's taps on the way.
 */
import * as fs from 'fs';
import * as path from 'path';
import { launchApp, type TestApp } from './app';
import { fire, openPage, type PageName, type RenderedPage } from './page';
import { settle, type WxMock } from './wx-mock';

interface Open {
  name: PageName;
  page: RenderedPage;
}

const nameOf = (url: string) => url.replace(/^\/pages\//, '').replace(/\/index(\?.*)?$/, '') as PageName;
const queryOf = (url: string): Record<string, string> => {
  const q = url.split('?')[1];
  if (!q) return {};
  return Object.fromEntries(q.split('&').map((kv) => kv.split('=').map(decodeURIComponent) as [string, string]));
};

export class Phone {
  readonly stack: Open[] = [];
  taps = 0;
  typed = 0;
  app!: TestApp;
  private seen = 0;

  constructor(private readonly mock: WxMock) {}

  async start(): Promise<this> {
    this.app = await launchApp(this.mock);
    await this.open('/pages/home/index');
    return this;
  }

  get top(): Open {
    const t = this.stack[this.stack.length - 1];
    if (!t) throw new Error('no page open');
    return t;
  }

  get page(): RenderedPage {
    return this.top.page;
  }

  /** A tap (or change, or WeChat button event) by the resident on the page in front. */
  async tap(target: string | Parameters<typeof fire>[2], event = 'tap', detail: Record<string, unknown> = {}): Promise<void> {
    this.taps += 1;
    await fire(this.mock, this.page, target, event, detail);
    await this.follow();
  }

  /** Typing into a field (counted apart from taps). */
  async type(selector: string, value: string): Promise<void> {
    this.typed += 1;
    await fire(this.mock, this.page, selector, 'input', { value });
    await this.follow();
  }

  /** Leave the page in front, as the back button does. */
  async back(): Promise<void> {
    this.taps += 1;
    const left = this.stack.pop();
    left?.page.instance.onUnload?.();
    left?.page.detach();
    this.syncStack();
    this.page.instance.onShow?.();
    await settle(this.mock);
    await this.follow();
  }

  /**
   * With MP_PREVIEW_DIR set, writes the page in front as `<page>__<label>.html` for the preview renderer
   * (../shared/tools/mp-preview.cjs); otherwise does nothing.
   */
  snapshot(label: string): void {
    const dir = process.env.MP_PREVIEW_DIR;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${this.top.name.replace(/\//g, '-')}__${label}.html`), this.page.dom.outerHTML);
  }

  async wait(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    await settle(this.mock);
    await this.follow();
  }

  private async open(url: string): Promise<void> {
    const name = nameOf(url);
    this.stack.push({ name, page: undefined as unknown as RenderedPage });
    this.syncStack();
    const page = await openPage(this.mock, name, queryOf(url));
    this.stack[this.stack.length - 1] = { name, page };
  }

  private syncStack(): void {
    this.mock.pageStack = this.stack.map((o) => ({ route: `pages/${o.name}/index` }));
  }

  /** Act on the navigations made since the last look, in order, until the pages stop navigating. */
  private async follow(): Promise<void> {
    for (let guard = 0; this.seen < this.mock.navigations.length && guard < 20; guard++) {
      const nav = this.mock.navigations[this.seen++]!;
      if (!nav.ok) continue;
      if (nav.api === 'navigateTo') {
        this.top.page.instance.onHide?.();
        await this.open(nav.url!);
      } else if (nav.api === 'redirectTo') {
        this.stack.pop()?.page.detach();
        await this.open(nav.url!);
      } else if (nav.api === 'switchTab' || nav.api === 'reLaunch') {
        while (this.stack.length) this.stack.pop()!.page.detach();
        await this.open(nav.url!);
      } else if (nav.api === 'navigateBack') {
        for (let i = 0; i < (nav.delta ?? 1) && this.stack.length > 1; i++) {
          const left = this.stack.pop()!;
          left.page.instance.onUnload?.();
          left.page.detach();
        }
        this.syncStack();
        this.page.instance.onShow?.();
        await settle(this.mock);
      }
    }
  }
}
