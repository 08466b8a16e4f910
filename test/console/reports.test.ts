import JSZip from 'jszip';
import { createStaff } from '../../src/modules/staff/staff.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, TOWN_MS, TOWN_ND, VILLAGE_A } from '../helpers/fixtures';
import { seedYear } from '../helpers/report-year';
import { launchChromium, PHONE, signIn, type Chromium, type ConsolePage } from './browser';
import { expectConfirmVisible, expectMessageVisible } from './ui';

// Journey on 2 December: a village worker writes a 典型 with a photo; the town admin, reminded by the banner,
// opens 报告, sees the figures and the literacy chart, approves the case, prints and downloads the files;
// another town's admin sees none of it.
let t: TestApp;
let chrome: Chromium;
const pages: ConsolePage[] = [];
// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  t = await startTestApp({ now: '2026-12-02T02:00:00Z' });
  await seedVillages(t);
  await seedYear(t);
  await createStaff(t.app, { username: 'ms-admin', password: 'mashang-pass-1', role: 'town_admin', areaCode: TOWN_MS, displayName: '马尚街道管理员' });
  await createStaff(t.app, { username: 'nd-admin', password: 'nanding-pass-1', role: 'town_admin', areaCode: TOWN_ND, displayName: '南定镇管理员' });
  await createStaff(t.app, { username: 'district', password: 'district-pass-1', role: 'district_admin', areaCode: '370303', displayName: '区卫健局管理员' });
  await createStaff(t.app, { username: 'dc-worker', password: 'dongcun-pass-1', role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村网格员' });
  chrome = await launchChromium();
}, 120_000);
afterAll(async () => {
  for (const [i, p] of pages.entries()) {
    await p.shot(`reports-zz-last-${i}`).catch(() => undefined);
    if (p.httpErrors.length) console.log(`page ${i} ${p.page.url()}: ${p.httpErrors.join(', ')}`);
  }
  await chrome?.close();
  await t?.close();
});

async function open(viewport?: { width: number; height: number }): Promise<ConsolePage> {
  const p = await chrome.open(t.url, viewport);
  pages.push(p);
  return p;
}
async function expectAccessible(p: ConsolePage): Promise<void> {
  expect(await p.axe()).toEqual([]);
}
/** Click an Element Plus select (by its label) and one of its options, as a person would. */
async function pick(p: ConsolePage, label: string, option: string | RegExp, scope = p.page.locator('body')): Promise<void> {
  const shown = scope.getByRole('combobox', { name: label, exact: true }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]');
  for (let attempt = 0; attempt < 3; attempt++) {
    await shown.click();
    await p.page.waitForTimeout(400);
    await p.page.getByRole('option', { name: option }).filter({ visible: true }).first().click();
    await p.page.waitForTimeout(200);
    if (typeof option === 'string' ? (await shown.innerText()).includes(option) : option.test(await shown.innerText())) return;
  }
  throw new Error(`could not pick ${String(option)} in ${label}`);
}

test('journey: a case written in a village, the town reminded, its report read, approved, printed and downloaded; another town sees none of it', async () => {
  // The village worker writes a case from the login page on, by typing and clicking.
  const worker = await open(PHONE);
  await signIn(worker, 'dc-worker', 'dongcun-pass-1');
  await worker.page.getByRole('button', { name: '打开菜单' }).click();
  await worker.page.getByRole('dialog', { name: '菜单' }).getByRole('menuitem', { name: '报告' }).click();
  await worker.page.getByRole('heading', { name: '报告', exact: true }).waitFor();
  await worker.page.locator('[data-test=report-title]').filter({ hasText: '东村' }).waitFor();
  await worker.page.getByRole('button', { name: '写典型案例' }).click();
  const dialog = worker.page.getByRole('dialog', { name: '写典型案例' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: '提交审核' }).click();
  await dialog.getByText('请填写标题').waitFor(); // the API's field error beside its field
  await dialog.getByLabel('标题').fill('东村讲座带动老人测血压');
  await dialog.getByLabel('内容').fill('四月的高血压讲座后，网格员每周上门为独居老人测血压，三个月里发现两位老人血压偏高并陪同就医。');
  await pick(worker, '相关活动', /lecture@/, dialog);
  await dialog.locator('[data-test=case-photo]').setInputFiles({ name: '测血压.png', mimeType: 'image/png', buffer: PNG });
  await dialog.getByText('测血压.png').waitFor();
  await worker.shot('reports-01-write-case-phone');
  await expectAccessible(worker);
  await dialog.getByRole('button', { name: '提交审核' }).click();
  await dialog.waitFor({ state: 'hidden' });
  const workerCase = worker.page.locator('[data-test=cases-table]').getByRole('row', { name: /东村讲座带动老人测血压/ });
  await workerCase.getByText('待审核').waitFor();
  expect(await workerCase.getByRole('button', { name: '通过' }).count()).toBe(0); // a village worker does not review
  await worker.shot('reports-02-case-pending-phone');

  // The town admin signs in: the December banner says the report is due.
  const town = await open();
  await signIn(town, 'ms-admin', 'mashang-pass-1');
  const banner = town.page.locator('[data-test=report-reminder]');
  await banner.getByText('12 月 15 日前').waitFor();
  await town.shot('reports-03-home-banner');
  await expectAccessible(town);
  await banner.getByRole('link', { name: '去报送报告' }).click();
  await town.page.locator('[data-test=report-title]').filter({ hasText: '2026 年度 马尚街道' }).waitFor();
  // Opening the report generates it; the banner stays until it is submitted.
  await town.page.locator('[data-test=submission-status]').filter({ hasText: '已生成' }).waitFor();
  expect(await banner.isVisible()).toBe(true);
  const figures = town.page.locator('[data-test=figures-table]');
  await figures.getByRole('row', { name: /东村/ }).waitFor();
  await figures.getByRole('row', { name: /西村/ }).waitFor();
  expect(await figures.getByRole('row', { name: /南村/ }).count()).toBe(0);
  // The literacy level with its interval, as the JSON has it (马尚: 20 of 50 in the autumn round).
  const literacy = town.page.locator('[data-test=literacy-table]');
  await literacy.getByRole('row', { name: /马尚街道.*2026年秋季健康素养测评.*50.*40\.0%.*27\.6% – 53\.8%/ }).waitFor();
  await literacy.getByRole('row', { name: /西村.*样本不足 30 人/ }).waitFor();
  const chart = town.page.locator('[data-test=literacy-chart]');
  expect(await chart.getAttribute('aria-label')).toContain('参考线：区目标（2022年） 22%，区目标（2030年） 30%，全国水平（2020年） 23.15%');
  expect(await chart.locator('svg').count()).toBe(1);
  await town.shot('reports-04-town-report');
  await expectAccessible(town);

  // The town reviews the village's case; it then appears in the report.
  const row = town.page.locator('[data-test=cases-table]').getByRole('row', { name: /东村讲座带动老人测血压/ });
  await row.getByRole('button', { name: '看照片' }).click();
  await town.page.getByRole('dialog', { name: '案例照片' }).getByRole('img', { name: '典型案例照片' }).waitFor();
  await town.page
    .getByRole('dialog', { name: '案例照片' })
    .getByRole('button', { name: /关闭|Close/ })
    .click();
  await row.getByRole('button', { name: '通过' }).click();
  await row.getByText('已通过').waitFor();
  await town.page.getByText('审核通过的典型案例（1 个）').waitFor();
  await town.shot('reports-05-case-approved');

  // Printing shows the report without the console around it.
  await town.page.emulateMedia({ media: 'print' });
  expect(await town.page.locator('header.top').isVisible()).toBe(false);
  expect(await town.page.getByRole('button', { name: '下载 Word' }).isVisible()).toBe(false);
  expect(await town.page.locator('[data-test=literacy-chart]').isVisible()).toBe(true);
  await town.page.screenshot({ path: 'screenshots/reports-06-print.png', fullPage: true });
  await town.page.emulateMedia({ media: 'screen' });

  // Both files download, the Word one holding the approved case.
  const [xlsx] = await Promise.all([town.page.waitForEvent('download'), town.page.getByRole('button', { name: '下载 Excel' }).click()]);
  expect(xlsx.suggestedFilename()).toBe('2026年度家庭健康行动工作总结-马尚街道.xlsx');
  const [docx] = await Promise.all([town.page.waitForEvent('download'), town.page.getByRole('button', { name: '下载 Word' }).click()]);
  const zip = await JSZip.loadAsync(await streamBytes(await docx.createReadStream()));
  expect(await zip.file('word/document.xml')!.async('string')).toContain('东村讲座带动老人测血压');

  // The town submits (报送): asked first, then kept as it is, with who and when; the banner goes.
  await town.page.getByRole('button', { name: '报送本镇街报告' }).click();
  const confirm = await expectConfirmVisible(town, '报送年度报告');
  await town.shot('reports-05a-submit-asks');
  await confirm.getByRole('button', { name: '确定报送' }).click();
  await expectMessageVisible(town, '已报送');
  await town.page.locator('[data-test=submission-status]').filter({ hasText: '已报送' }).waitFor();
  await town.page.getByText('马尚街道管理员 于').waitFor();
  await banner.waitFor({ state: 'hidden' });
  await town.shot('reports-05b-submitted');
  await expectAccessible(town);

  // A village of the town: its own report.
  await pick(town, '地区', '东村');
  await town.page.locator('[data-test=report-title]').filter({ hasText: '2026 年度 东村' }).waitFor();

  // Another town's admin: the reminder (their report is not generated), then their own figures only, no 马尚 case.
  const other = await open();
  await signIn(other, 'nd-admin', 'nanding-pass-1');
  await other.page.locator('[data-test=report-reminder]').waitFor();
  await other.page.getByRole('menuitem', { name: '报告' }).first().click();
  await other.page.locator('[data-test=report-title]').filter({ hasText: '南定镇' }).waitFor();
  await other.page.locator('[data-test=figures-table]').getByRole('row', { name: /南村/ }).waitFor();
  expect(
    await other.page
      .locator('[data-test=figures-table]')
      .getByRole('row', { name: /东村|马尚/ })
      .count(),
  ).toBe(0);
  await other.page.locator('[data-test=cases-table]').getByText('还没有典型案例').waitFor();
  await other.page.getByText('本年度还没有审核通过的典型案例').waitFor();
  const areaBox = other.page.getByRole('combobox', { name: '地区', exact: true }).locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]');
  await areaBox.click();
  await other.page.waitForTimeout(400);
  expect(
    await other.page
      .getByRole('option', { name: /马尚|东村/ })
      .filter({ visible: true })
      .count(),
  ).toBe(0);
  await other.page.keyboard.press('Escape');
  await other.page.locator('[data-test=submission-status]').filter({ hasText: '已生成' }).waitFor();
  expect(await other.page.locator('[data-test=submission-table]').count()).toBe(0);
  expect(await other.page.getByText('马尚街道管理员').count()).toBe(0);
  await other.shot('reports-07-other-town');
  await expectAccessible(other);

  // The district: each town's status; 马尚's report returned with a reason, which the town then reads.
  const d = await open();
  await signIn(d, 'district', 'district-pass-1');
  await d.page.getByRole('menuitem', { name: '报告' }).first().click();
  const statuses = d.page.locator('[data-test=submission-table]');
  await statuses.getByRole('row', { name: /马尚街道.*已报送.*马尚街道管理员/ }).waitFor();
  await statuses.getByRole('row', { name: /南定镇.*已生成/ }).waitFor();
  await d.shot('reports-08-district-statuses');
  await expectAccessible(d);
  await statuses
    .getByRole('row', { name: /马尚街道/ })
    .getByRole('button', { name: '退回' })
    .click();
  const prompt = await expectConfirmVisible(d, '退回年度报告');
  await prompt.getByRole('textbox').fill('典型案例请补充活动照片');
  await prompt.getByRole('button', { name: '退回' }).click();
  await statuses.getByRole('row', { name: /马尚街道.*已生成.*曾退回：典型案例请补充活动照片/ }).waitFor();
  // (the test clock is fixed in December, so a reload would find the stored session expired: the menu instead)
  await town.page.getByRole('menuitem', { name: '首页' }).first().click();
  await town.page.getByRole('menuitem', { name: '报告' }).first().click();
  await town.page.getByText('区里退回了报告：典型案例请补充活动照片').waitFor();
  await town.shot('reports-09-returned');

  for (const p of pages) expect(p.problems).toEqual([]);
}, 300_000);

async function streamBytes(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}
