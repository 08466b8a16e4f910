import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const SCREENSHOTS = path.resolve(__dirname, '../../screenshots');
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 375, height: 812 };

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface Chromium {
  browser: Browser;
  /** A fresh browser context (own storage) at the given viewport, collecting page errors and CSP violations. */
  open(baseUrl: string, viewport?: { width: number; height: number }): Promise<ConsolePage>;
  close(): Promise<void>;
}

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught exceptions and refused resources seen so far. */
  problems: string[];
  /** Every API answer with a 4xx/5xx status, as "METHOD path status" (to read a failed journey). */
  httpErrors: string[];
  /** Save `screenshots/<name>.png`. */
  shot(name: string): Promise<void>;
  /** axe-core scan of what is on screen now: the serious and critical violations. */
  axe(): Promise<Array<{ id: string; impact: string; help: string; targets: string[] }>>;
}

/** Debian's Chromium, headless, with a fresh profile; playwright-core drives it (no browser download). */
export async function launchChromium(): Promise<Chromium> {
  // playwright-core gives every launch a fresh temporary profile (user-data dir) and removes it on close.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    async open(baseUrl, viewport = DESKTOP) {
      const context = await browser.newContext({ baseURL: baseUrl, viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const problems: string[] = [];
      const httpErrors: string[] = [];
      page.on('response', (r) => {
        if (r.status() >= 400) httpErrors.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        // A failed API call logs a network error by design (e.g. a wrong password's 401); anything else is a problem.
        if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()))
          problems.push(`console: ${m.text()}`);
      });
      return {
        page,
        context,
        problems,
        httpErrors,
        async shot(name) {
          await page.waitForTimeout(350); // let transitions (dialogs, messages) settle
          await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
        },
        async axe() {
          // Evaluated through the DevTools protocol, so the console's CSP (script-src 'self') stays as it is.
          await page.evaluate(AXE_SOURCE);
          // A string, so this file needs no DOM types: it runs in the page.
          const result = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as { violations: unknown[] };
          return (result.violations as Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>)
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
        },
      };
    },
    async close() {
      await browser.close();
    },
  };
}

/** Sign in through the login page by typing, as a person would. */
export async function signIn(p: ConsolePage, username: string, password: string): Promise<void> {
  await p.page.goto('/admin/login');
  await p.page.getByLabel('用户名').fill(username);
  await p.page.getByLabel('密码').fill(password);
  await p.page.getByRole('button', { name: '登录' }).click();
  await p.page.waitForURL((u) => !u.pathname.endsWith('/login'));
}
