import type { Locator } from 'playwright-core';
import type { ConsolePage } from './browser';

/**
 * A confirm box or message the person must see: visible, wholly inside the viewport and on top at its centre.
 * Small on purpose, to be swapped for the shared confirm/message assertions.
 */
export async function expectShown(p: ConsolePage, box: Locator): Promise<void> {
  await box.waitFor({ state: 'visible' });
  await p.page.waitForTimeout(300); // let the entry animation end
  const r = await box.boundingBox();
  const vp = p.page.viewportSize()!;
  expect(r).not.toBeNull();
  expect(r!.x).toBeGreaterThanOrEqual(0);
  expect(r!.y).toBeGreaterThanOrEqual(0);
  expect(r!.x + r!.width).toBeLessThanOrEqual(vp.width);
  expect(r!.y + r!.height).toBeLessThanOrEqual(vp.height);
  const onTop = await box.evaluate((el, [x, y]) => el.contains(el.ownerDocument.elementFromPoint(x!, y!)), [r!.x + r!.width / 2, r!.y + r!.height / 2]);
  expect(onTop).toBe(true);
}
