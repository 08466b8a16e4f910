import { once } from 'node:events';
import type { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { type Caller, scopeFilter } from '../../access';
import type { AppContext } from '../../context';
import { checkIdCard } from '../../lib/idcard';
import { maskIdCard, maskPhone } from '../../lib/pii';
import { areaNamesUnder } from '../areas';
import { Enrolments, type EnrolmentStatus, type ProductDoc } from './insurance.model';
import { ENROLMENT_LABELS } from './insurance.validation';
import { paymentMethod } from '../../dictionaries';

/** The insurer's batch columns (one row per insured person). */
const COLUMNS = [
  { header: '序号', key: 'no', width: 8 },
  { header: '被保险人姓名', key: 'name', width: 14 },
  { header: '证件类型', key: 'idType', width: 12 },
  { header: '证件号码', key: 'idCard', width: 22 },
  { header: '性别', key: 'sex', width: 6 },
  { header: '出生日期', key: 'birthDate', width: 12 },
  { header: '与投保人关系', key: 'relation', width: 12 },
  { header: '保险方案', key: 'plan', width: 14 },
  { header: '保费（元）', key: 'premium', width: 10 },
  { header: '投保人联系电话', key: 'phone', width: 15 },
  { header: '所属村居', key: 'village', width: 16 },
  { header: '状态', key: 'status', width: 8 },
  { header: '缴费方式', key: 'payMethod', width: 10 },
  { header: '缴费日期', key: 'paidAt', width: 12 },
  { header: '保单号', key: 'policyNo', width: 20 },
];

const PAY_METHODS = paymentMethod.labels;
const ACTIVE: EnrolmentStatus[] = ['submitted', 'verified', 'paid', 'issued'];

/**
 * Stream the workbook row by row from a cursor (exceljs streaming writer): memory stays flat however many rows.
 * Full ID numbers and phones only for district admins. The audit record (with the row count) is written before
 * the file is finished, so no export completes unaudited.
 */
export async function writeEnrolmentsXlsx(
  app: AppContext,
  caller: Caller,
  p: ProductDoc,
  status: EnrolmentStatus | undefined,
  out: PassThrough,
): Promise<number> {
  const full = caller.staff.role === 'district_admin';
  const villages = await areaNamesUnder(app, caller.staff.areaCode);
  const plans = new Map(p.plans.map((x) => [x.code, x.name]));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet(`${p.year}投保清单`);
  ws.columns = COLUMNS;
  const filter = { productId: p._id, ...scopeFilter(caller.staff), status: status ?? { $in: ACTIVE } };
  let rows = 0;
  for await (const e of Enrolments(app.db).find(filter).sort({ _id: 1 }).lean().cursor({ batchSize: 1000 })) {
    const phone = e.applicantPhoneEnc ? app.pii.open(e.applicantPhoneEnc) : '';
    for (const x of e.insured) {
      const idCard = x.idCardEnc ? app.pii.open(x.idCardEnc) : '';
      const info = checkIdCard(idCard);
      ws.addRow({
        no: ++rows,
        name: x.nameEnc ? app.pii.open(x.nameEnc) : '',
        idType: '居民身份证',
        idCard: full ? idCard : maskIdCard(idCard),
        sex: info.ok ? (info.info.sex === 'male' ? '男' : '女') : '',
        birthDate: info.ok ? info.info.birthDate : '',
        relation: x.relation,
        plan: plans.get(x.planCode) ?? x.planCode,
        premium: x.premiumFen / 100,
        phone: full ? phone : maskPhone(phone),
        village: villages.get(e.villageCode) ?? e.villageCode,
        status: ENROLMENT_LABELS[e.status],
        payMethod: e.payment ? PAY_METHODS[e.payment.method] : '',
        paidAt: e.payment?.paidAt ?? '',
        policyNo: e.policyNo ?? '',
      }).commit();
    }
    if (out.writableNeedDrain) await once(out, 'drain'); // a slow download slows the cursor, not the heap
  }
  ws.commit();
  await caller.audit(
    'insurance.export_xlsx',
    { type: 'insurance_product', id: String(p._id) },
    { rowCount: rows, fullIdNumbers: full, status: status ?? 'active', areaCode: caller.staff.areaCode },
  );
  await wb.commit();
  return rows;
}
