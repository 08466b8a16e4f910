import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { shanghaiTime } from '../../lib/shanghai';
import type { roster } from './attendance.service';

type Row = Awaited<ReturnType<typeof roster>>[number];

const STATUS: Record<string, string> = { confirmed: '已确认', waitlisted: '候补', walk_in: '现场登记' };
const HEADERS = ['序号', '姓名', '手机号', '村（居）', '名额', '状态', '候补位置', '签到', '签到时间', '报名时间'];

/** Times in the district's zone, as staff read them. */
const local = (iso: string | null) => (iso ? shanghaiTime(new Date(iso)) : '');

const cells = (r: Row, i: number) => [i + 1, r.name, r.phone, r.village, r.seats, STATUS[r.status] ?? r.status, r.position ?? '', r.attended ? '是' : '否', local(r.checkedInAt), local(r.registeredAt)];

/** CSV with a BOM so Excel on Windows opens the Chinese text correctly. */
export function rosterCsv(rows: Row[]): Buffer {
  return Buffer.from('\ufeff' + Papa.unparse({ fields: HEADERS, data: rows.map(cells) }), 'utf8');
}

export async function rosterXlsx(title: string, rows: Row[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('报名名单');
  ws.addRow([title]);
  ws.addRow(HEADERS);
  rows.forEach((r, i) => ws.addRow(cells(r, i)));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
