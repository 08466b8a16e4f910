import type { Locator } from 'playwright-core';
import { createStaff } from '../../src/modules/staff/staff.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages } from '../helpers/fixtures';
import { launchChromium, type Chromium, type ConsolePage } from './browser';

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

/** Type a Shanghai wall-clock time (`YYYY-MM-DD HH:mm`) into a date-time picker, as a person would, and close its panel. */
export async function typeDateTime(p: ConsolePage, label: string, value: string): Promise<void> {
  const input = p.page.getByLabel(label, { exact: true });
  await input.click();
  await input.fill(value);
  await input.press('Enter');
  await p.page.keyboard.press('Escape');
  await p.page.waitForTimeout(200);
}

/** The serious and critical axe-core violations on screen must be none. */
export async function expectAccessible(p: ConsolePage): Promise<void> {
  // A message sliding in or fading out is half transparent for a moment: scan once none is moving.
  await p.page.locator('.el-message-fade-enter-active, .el-message-fade-leave-active').first().waitFor({ state: 'detached' });
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

export const DISTRICT_ADMIN = { username: 'district', password: 'district-pass-1' };
/** An admin of another town (南定镇) than the one the journeys work in (马尚街道). */
export const OTHER_TOWN_ADMIN = { username: 'nanding', password: 'nanding-pass-1' };

/**
 * One journey file's set-up: the service on its own database with the three fixture villages, a district admin
 * and another town's admin, whatever `arrange` adds, and Chromium; torn down (last screenshots first) after.
 */
export function journey(prefix: string, arrange: (t: TestApp) => Promise<void> = async () => undefined) {
  const s = { t: undefined as unknown as TestApp, chrome: undefined as unknown as Chromium };
  const keeper = pageKeeper(
    () => s.chrome,
    () => s.t.url,
    prefix,
  );
  beforeAll(async () => {
    s.t = await startTestApp({ now: new Date().toISOString() });
    await seedVillages(s.t);
    await createStaff(s.t.app, { ...DISTRICT_ADMIN, role: 'district_admin', areaCode: '370303', displayName: '区卫健局管理员' });
    await createStaff(s.t.app, { ...OTHER_TOWN_ADMIN, role: 'town_admin', areaCode: '370303-Z-ND', displayName: '南定镇管理员' });
    await arrange(s.t);
    s.chrome = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await keeper.finish();
    await s.chrome?.close();
    await s.t?.close();
  });
  return {
    get t() {
      return s.t;
    },
    open: keeper.open,
    problems: keeper.problems,
  };
}

interface Placed {
  box: { x: number; y: number; width: number; height: number };
  view: { width: number; height: number };
  /** The element at the box's centre is the box or inside it: nothing lies over it. */
  onTop: boolean;
  background: string;
  position: string;
}

/** Where `target` (the last element matching `selector` with `text`) is, whether it is on top at its centre, and its styles. */
async function placement(p: ConsolePage, target: Locator, selector: string, text: string, fixedFrom: string): Promise<Placed> {
  const box = await target.boundingBox();
  if (!box) throw new Error(`${selector} is not rendered`);
  const view = p.page.viewportSize()!;
  const cx = Math.round(box.x + box.width / 2);
  const cy = Math.round(box.y + box.height / 2);
  // An expression, so this file needs no DOM types: it runs in the page.
  const sel = JSON.stringify(selector);
  return {
    box,
    view,
    ...((await p.page.evaluate(`(() => {
      const el = [...document.querySelectorAll(${sel})].filter((e) => e.textContent.includes(${JSON.stringify(text)})).pop();
      const fixed = el.closest(${JSON.stringify(fixedFrom)});
      return {
        onTop: document.elementFromPoint(${cx}, ${cy})?.closest(${sel}) === el,
        background: getComputedStyle(el).backgroundColor,
        position: fixed ? getComputedStyle(fixed).position : 'static',
      };
    })()`)) as Omit<Placed, 'box' | 'view'>),
  };
}

/**
 * A confirm box (ElMessageBox) titled `title` is shown styled: a white panel laid over the page (a fixed overlay),
 * inside the viewport, centred across it, and on top of everything at its centre. Returns the box, to click in.
 */
export async function expectConfirmVisible(p: ConsolePage, title: string): Promise<Locator> {
  const dialog = p.page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  // Measured once it has faded and zoomed in (slow on a busy machine).
  await p.page.locator('.fade-in-linear-enter-active, .msgbox-fade-enter-active').first().waitFor({ state: 'detached' });
  // The dialog role is on the full-screen wrapper; the panel a person reads is the box inside it.
  const at = await placement(p, dialog.locator('.el-message-box'), '.el-message-box', title, '.el-overlay');
  expect(at.position).toBe('fixed');
  expect(at.background).toBe('rgb(255, 255, 255)');
  expect(at.box.width).toBeLessThan(at.view.width);
  // a readable line length on a wide screen: not stretched across it
  expect(at.box.width).toBeLessThanOrEqual(480);
  expect(at.box.x).toBeGreaterThanOrEqual(0);
  expect(at.box.y).toBeGreaterThanOrEqual(0);
  expect(at.box.y + at.box.height).toBeLessThanOrEqual(at.view.height);
  expect(Math.abs(at.box.x + at.box.width / 2 - at.view.width / 2)).toBeLessThanOrEqual(2);
  expect(at.onTop).toBe(true);
  return dialog;
}

/** A message (ElMessage) with `text` is shown styled: fixed near the top, centred, wholly inside the viewport, on top. */
export async function expectMessageVisible(p: ConsolePage, text: string): Promise<void> {
  const msg = p.page.locator('.el-message').filter({ hasText: text }).last();
  // Only the newest message is measured: older ones are still fading out below it.
  await msg.waitFor();
  // Measured once it has slid in from the top (slow on a busy machine).
  await p.page.locator('.el-message-fade-enter-active').first().waitFor({ state: 'detached' });
  const at = await placement(p, msg, '.el-message', text, '.el-message');
  expect(at.position).toBe('fixed');
  expect(at.box.x).toBeGreaterThanOrEqual(0);
  expect(at.box.y).toBeGreaterThanOrEqual(0);
  expect(at.box.x + at.box.width).toBeLessThanOrEqual(at.view.width);
  expect(at.box.y + at.box.height).toBeLessThanOrEqual(at.view.height / 3);
  expect(Math.abs(at.box.x + at.box.width / 2 - at.view.width / 2)).toBeLessThanOrEqual(2);
  expect(at.onTop).toBe(true);
}

/** The page itself does not scroll sideways: whatever is wide scrolls inside its own frame. */
export async function expectNoPageScrollX(p: ConsolePage): Promise<void> {
  const { scroll, view } = (await p.page.evaluate('({ scroll: document.scrollingElement.scrollWidth, view: window.innerWidth })')) as {
    scroll: number;
    view: number;
  };
  expect(scroll).toBeLessThanOrEqual(view);
}

/** A table's (by its data-test name) scrolling frame: how wide its content is, and how wide the frame shows. */
export async function tableFrame(p: ConsolePage, table: string): Promise<{ content: number; frame: number; right: number }> {
  await p.page.locator(`[data-test=${table}]`).waitFor();
  return (await p.page.evaluate(`(() => {
    const t = document.querySelector('[data-test=${table}]');
    const wrap = t.querySelector('.el-table__body-wrapper .el-scrollbar__wrap');
    return { content: wrap.scrollWidth, frame: wrap.clientWidth, right: t.getBoundingClientRect().right };
  })()`)) as { content: number; frame: number; right: number };
}
