import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import type { Caller } from '../../access';
import type { AppContext } from '../../context';
import { forbidden } from '../../http/errors';
import { shanghaiTime } from '../../lib/shanghai';
import { roster } from './attendance.service';
import { getTalkInScope } from './talks.service';
import { rosterStatus } from '../../dictionaries';

type Row = Awaited<ReturnType<typeof roster>>[number];

const STATUS = rosterStatus.labels;
const HEADERS = ['序号', '姓名', '手机号', '村（居）', '名额', '状态', '候补位置', '签到', '签到时间', '报名时间'];

/** Times in the district's zone, as staff read them. */
const local = (iso: string | null) => (iso ? shanghaiTime(new Date(iso)) : '');

const cells = (r: Row, i: number) => [
  i + 1,
  r.name,
  r.phone,
  r.village,
  r.seats,
  STATUS[r.status] ?? r.status,
  r.position ?? '',
  r.attended ? '是' : '否',
  local(r.checkedInAt),
  local(r.registeredAt),
];

/** CSV with a BOM so Excel on Windows opens the Chinese text correctly. */
function rosterCsv(rows: Row[]): Buffer {
  return Buffer.from('\ufeff' + Papa.unparse({ fields: HEADERS, data: rows.map(cells) }), 'utf8');
}

async function rosterXlsx(title: string, rows: Row[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('报名名单');
  ws.addRow([title]);
  ws.addRow(HEADERS);
  rows.forEach((r, i) => ws.addRow(cells(r, i)));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The registrant list of a session as a file: masked, or in full for district admins only; every export is audited. */
export async function exportRoster(app: AppContext, caller: Caller, talkId: string, format: 'csv' | 'xlsx', full: boolean) {
  if (full && caller.staff.role !== 'district_admin') throw forbidden('只有区级管理员可以导出完整名单');
  const talk = await getTalkInScope(app, caller.staff, talkId);
  const rows = await roster(app, talk, full);
  await caller.audit(full ? 'talk.export_full' : 'talk.export_masked', { type: 'talk', id: talkId }, { format, rows: rows.length });
  return format === 'csv'
    ? { filename: `talk-${talkId}-${full ? 'full' : 'masked'}.csv`, type: 'text/csv; charset=utf-8', body: rosterCsv(rows) }
    : {
        filename: `talk-${talkId}-${full ? 'full' : 'masked'}.xlsx`,
        type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        body: await rosterXlsx(talk.title, rows),
      };
}
