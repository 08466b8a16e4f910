import ExcelJS from 'exceljs';
import fs from 'node:fs';
import { Areas } from '../../src/modules/areas/areas.model';
import { TOWN_MS } from '../helpers/fixtures';
import { signIn, type ConsolePage } from './browser';
import { DISTRICT_ADMIN, expectAccessible, journey, OTHER_TOWN_ADMIN, rowWith } from './ui';

// Journey: the district admin downloads the template, imports villages from an XLSX file (a bad file first: every
// bad row shown, nothing imported), renames and disables one; another town's admin sees none of them.
const j = journey('villages');

/** An XLSX file as a person would fill the template: the first sheet, Chinese headers, one village a row. */
async function workbook(rows: string[][]): Promise<{ name: string; mimeType: string; buffer: Buffer }> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('村居');
  ws.addRow(['村居名称', '所属镇街', '村居编码（可不填）']);
  for (const r of rows) ws.addRow(r);
  return {
    name: '马尚村居.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: Buffer.from(await wb.xlsx.writeBuffer()),
  };
}

async function importFile(p: ConsolePage, rows: string[][]): Promise<void> {
  await p.page.locator('[data-test=xlsx-file]').setInputFiles(await workbook(rows));
  await p.page.getByRole('button', { name: '开始导入' }).click();
}

test('journey: villages imported from an XLSX file, renamed and disabled; another town sees none of them', async () => {
  const d = await j.open();
  await signIn(d, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await d.page.getByRole('menuitem', { name: '村居管理' }).first().click();
  await d.page.getByRole('heading', { name: '村居管理' }).waitFor();
  await rowWith(d, 'villages-table', '东村').waitFor();
  await d.shot('villages-01-list');
  await expectAccessible(d);

  await d.page.getByRole('button', { name: '从 Excel 导入村居' }).click();
  const dialog = d.page.getByRole('dialog', { name: '从 Excel 导入村居' });
  await dialog.waitFor();
  // The template downloads from the page, with the Chinese headers and the towns to choose from.
  const [file] = await Promise.all([d.page.waitForEvent('download'), dialog.getByRole('button', { name: '下载导入模板' }).click()]);
  const template = new ExcelJS.Workbook();
  await template.xlsx.load(fs.readFileSync(await file.path()) as unknown as ArrayBuffer);
  expect(template.worksheets[0]!.getRow(1).values).toEqual([undefined, '村居名称', '所属镇街', '村居编码（可不填）']);
  expect(template.worksheets[1]!.getColumn(1).values).toContain('马尚街道');

  // A file with two bad rows: both are listed with their row and column, and nothing is imported.
  const before = await Areas(j.t.db).countDocuments();
  await importFile(d, [
    ['北村', '马尚街道'],
    ['', '马尚街道'],
    ['中村', '不存在镇'],
    ['南岭村', '马尚街道'],
  ]);
  const errors = d.page.locator('[data-test=xlsx-errors]');
  await errors.getByRole('row', { name: /第 3 行.*村居名称/ }).waitFor();
  await errors.getByRole('row', { name: /第 4 行.*所属镇街.*不存在镇/ }).waitFor();
  expect(await Areas(j.t.db).countDocuments()).toBe(before);
  await d.shot('villages-02-import-errors');
  await expectAccessible(d);

  await importFile(d, [
    ['北村', '马尚街道'],
    ['南岭村', '马尚街道'],
    ['和美社区', TOWN_MS],
  ]);
  await dialog.waitFor({ state: 'hidden' });
  await d.page.getByText('已导入 3 个村居').waitFor();
  for (const name of ['北村', '南岭村', '和美社区']) await rowWith(d, 'villages-table', name).waitFor();
  await rowWith(d, 'villages-table', '和美社区').getByText('社区', { exact: true }).waitFor();
  await d.shot('villages-03-imported');

  // Rename: a name the town already has is refused beside the field; then a new one is saved.
  await rowWith(d, 'villages-table', '南岭村').getByRole('button', { name: '改名' }).click();
  const rename = d.page.getByRole('dialog', { name: '村居改名' });
  await rename.getByLabel('新名称').fill('北村');
  await rename.getByRole('button', { name: '保存' }).click();
  await rename.getByText('本镇街已有名为“北村”的村居').waitFor();
  await d.shot('villages-04-rename-error');
  await expectAccessible(d);
  await rename.getByLabel('新名称').fill('南岭新村');
  await rename.getByRole('button', { name: '保存' }).click();
  await rowWith(d, 'villages-table', '南岭新村').waitFor();

  // Disable: confirmed, shown, and no longer offered to residents.
  await rowWith(d, 'villages-table', '北村').getByRole('button', { name: '停用' }).click();
  await d.page.getByRole('dialog', { name: '停用村居' }).getByRole('button', { name: '停用' }).click();
  await rowWith(d, 'villages-table', '北村').getByText('已停用').waitFor();
  const picker = await j.t.request('GET', `/api/v1/areas?parent=${TOWN_MS}`);
  expect(picker.body.items.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['南岭新村', '和美社区']));
  expect(picker.body.items.map((a: { name: string }) => a.name)).not.toContain('北村');
  await d.shot('villages-05-disabled');

  // Another town's admin: their own village only, none of 马尚's.
  const other = await j.open();
  await signIn(other, OTHER_TOWN_ADMIN.username, OTHER_TOWN_ADMIN.password);
  await other.page.getByRole('menuitem', { name: '村居管理' }).first().click();
  await rowWith(other, 'villages-table', '南村').waitFor();
  for (const name of ['东村', '南岭新村', '和美社区', '北村']) expect(await rowWith(other, 'villages-table', name).count()).toBe(0);
  await other.shot('villages-06-other-town');
  await expectAccessible(other);

  expect(j.problems()).toEqual([]);
}, 240_000);

test('a slow answer to an earlier search does not replace the rows of a later one', async () => {
  const d = await j.open();
  await signIn(d, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await d.page.getByRole('menuitem', { name: '村居管理' }).first().click();
  await rowWith(d, 'villages-table', '东村').waitFor();

  // The search for 东村 reaches the service only after the one for 南村 has been answered and shown.
  const asks =
    (q: string) =>
    (url: URL): boolean =>
      url.pathname === '/api/admin/v1/areas/villages' && url.searchParams.get('q') === q;
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await d.page.route(asks('东村'), async (route) => {
    await held;
    await route.continue();
  });
  const search = d.page.getByLabel('搜索村居名称');
  await search.fill('东村');
  await search.press('Enter');
  await search.fill('南村');
  await search.press('Enter');
  await rowWith(d, 'villages-table', '南村').waitFor();
  const late = d.page.waitForResponse((r) => asks('东村')(new URL(r.url())));
  release();
  await late;
  await d.page.waitForTimeout(300); // what the late answer would have drawn
  await rowWith(d, 'villages-table', '南村').waitFor();
  expect(await rowWith(d, 'villages-table', '东村').count()).toBe(0);

  expect(j.problems()).toEqual([]);
}, 120_000);
