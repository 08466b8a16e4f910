import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { YearlyReport } from './yearly.service';
import { sections } from './sections';

/**
 * The workbook, one sheet per section, Chinese headers, numbers as numbers (ratios as numbers with a
 * percentage format). Written with exceljs's streaming writer: each row is committed as it is added.
 */
export async function writeYearlyXlsx(report: YearlyReport, out: Writable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = '张店区家庭健康行动';
  for (const s of sections(report)) {
    const ws = wb.addWorksheet(s.title.slice(0, 31));
    ws.columns = s.headers.map((h, i) => ({
      header: h,
      key: `c${i}`,
      width: Math.max(10, h.length * 2 + 2),
      ...(s.percent.includes(i) ? { style: { numFmt: '0.00%' } } : {}),
    }));
    for (const row of s.rows) {
      ws.addRow(row.map((v) => v ?? null)).commit();
      if (out.writableNeedDrain) await once(out, 'drain');
    }
    if (s.note) {
      ws.addRow([]).commit();
      ws.addRow([s.note]).commit();
    }
    ws.commit();
  }
  await wb.commit();
}
