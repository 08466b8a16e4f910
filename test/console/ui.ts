import type { Locator } from 'playwright-core';
import type { Chromium, ConsolePage } from './browser';

/**
 * Open an Element Plus select (by its accessible name, inside `within` — the page or an open dialog) and click
 * one of its options; checked, because the option lists animate in.
 */
export async function pickOption(p: ConsolePage, label: string, option: string, within?: Locator): Promise<void> {
  const box = (within ?? p.page.locator('body')).getByRole('combobox', { name: label, exact: true });
  const shown = box.locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]');
  for (let attempt = 0; attempt < 3; attempt++) {
    // The placeholder text lies over the input, as a person sees it: click where they would.
    await shown.click();
    await p.page.waitForTimeout(400);
    await p.page.getByRole('option', { name: option, exact: true }).filter({ visible: true }).click();
    await p.page.waitForTimeout(200);
    if ((await shown.innerText()).includes(option)) return;
  }
  throw new Error(`could not pick ${option} in ${label}`);
}

/** The serious and critical axe-core violations on screen must be none. */
export async function expectAccessible(p: ConsolePage): Promise<void> {
  expect(await p.axe()).toEqual([]);
}

/**
 * The pages a test file opens: `open` one at a viewport; `finish` saves the last state of each (to see where a
 * failed journey stopped) and prints the API errors they met; `problems` gathers page errors of them all.
 */
export function pageKeeper(chrome: () => Chromium, baseUrl: () => string, prefix: string) {
  const pages: ConsolePage[] = [];
  return {
    pages,
    async open(viewport?: { width: number; height: number }): Promise<ConsolePage> {
      const p = await chrome().open(baseUrl(), viewport);
      pages.push(p);
      return p;
    },
    async finish(): Promise<void> {
      for (const [i, p] of pages.entries()) {
        await p.shot(`${prefix}-zz-last-${i}`).catch(() => undefined);
        if (p.httpErrors.length) console.log(`page ${i} ${p.page.url()}: ${p.httpErrors.join(', ')}`);
      }
    },
    problems: (): string[] => pages.flatMap((p) => p.problems),
  };
}

/** Wait until a table (by its data-test name) shows a row containing `text`. */
export const rowWith = (p: ConsolePage, table: string, text: string | RegExp): Locator =>
  p.page.locator(`[data-test=${table}]`).getByRole('row').filter({ hasText: text });
