import { assertInScope, type Caller, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { shanghaiDay } from '../../lib/shanghai';
import { DISTRICT_CODE, getArea, listChildAreas } from '../areas';
import { ReportReturns, ReportRuns, ReportSubmissions } from './reports.model';
import { yearlyReport, type YearlyReport } from './yearly.service';

/** The association's deadline for the towns' reports: 15 December. */
export const SUBMIT_DEADLINE = '12-15';

export type SubmissionStatus = 'not_generated' | 'generated' | 'submitted';

const key = (year: number, areaCode: string, round: number) => `${year}:${areaCode}:${round}`;
const staffName = (s: StaffPrincipal) => s.displayName ?? s.username;

/** The round a town is in: how many times its report was returned for the year. */
const roundOf = async (app: AppContext, year: number, areaCode: string) => ReportReturns(app.db).countDocuments({ year, areaCode });

/** Where a town's report for the year stands, with who submitted it and when, and the last return's reason. */
export async function submissionStatus(app: AppContext, year: number, areaCode: string) {
  const [round, generated, lastReturn] = await Promise.all([
    roundOf(app, year, areaCode),
    ReportRuns(app.db).exists({ _id: `${year}:${areaCode}` }),
    ReportReturns(app.db).findOne({ year, areaCode }).sort({ round: -1 }).lean(),
  ]);
  const sub = await ReportSubmissions(app.db)
    .findById(key(year, areaCode, round), { report: 0 })
    .lean();
  const status: SubmissionStatus = sub ? 'submitted' : generated ? 'generated' : 'not_generated';
  const today = shanghaiDay(app.clock.now());
  return {
    year,
    areaCode,
    status,
    submittedAt: sub ? sub.at.toISOString() : null,
    submittedBy: sub?.staffName ?? null,
    overdue: !sub && today > `${year}-${SUBMIT_DEADLINE}`,
    deadline: `${year}-${SUBMIT_DEADLINE}`,
    returned: lastReturn && !sub ? { reason: lastReturn.reason, by: lastReturn.staffName, at: lastReturn.at.toISOString() } : null,
  };
}

/** Each town's status (the district) or the town's own. */
export async function submissionStatuses(app: AppContext, staff: StaffPrincipal, year: number) {
  const towns =
    staff.role === 'district_admin'
      ? await listChildAreas(app, DISTRICT_CODE)
      : [await getArea(app, staff.areaPath[1] ?? staff.areaCode)].flatMap((a) => (a ? [a] : []));
  const items = [];
  for (const t of towns) items.push({ ...(await submissionStatus(app, year, t.code)), areaName: t.name });
  return { year, items };
}

/**
 * A town admin submits their town's report for the year: it is generated now and kept as it is, with who and
 * when. Once in, it stays until the district returns it.
 */
export async function submitYearlyReport(app: AppContext, caller: Caller, year: number) {
  if (caller.staff.role !== 'town_admin') throw forbidden('只有镇街管理员可以报送本镇街的年度报告');
  const report = await yearlyReport(app, caller.staff, { year, area: caller.staff.areaCode });
  const round = await roundOf(app, year, caller.staff.areaCode);
  try {
    await ReportSubmissions(app.db).create({
      _id: key(year, caller.staff.areaCode, round),
      year,
      areaCode: caller.staff.areaCode,
      round,
      staffId: caller.staff.id,
      staffName: staffName(caller.staff),
      at: app.clock.now(),
      report: JSON.stringify(report),
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('REPORT_ALREADY_SUBMITTED', 409, '本年度报告已经报送，区里退回后才能重新报送');
    throw err;
  }
  try {
    await ReportRuns(app.db).create({
      _id: `${year}:${caller.staff.areaCode}`,
      year,
      areaCode: caller.staff.areaCode,
      staffId: caller.staff.id,
      format: 'submit',
      at: app.clock.now(),
    });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  await caller.audit('report.yearly.submit', { type: 'area', id: caller.staff.areaCode }, { year, round });
  return submissionStatus(app, year, caller.staff.areaCode);
}

/** The district sends a town's submitted report back, with a reason; the town can then submit again. */
export async function returnYearlyReport(app: AppContext, caller: Caller, year: number, areaCode: string, reason: string) {
  const area = await getArea(app, areaCode);
  if (!area) throw validationError('areaCode', '地区不存在', { code: 'INVALID_AREA' });
  assertInScope(caller.staff, area.path);
  const round = await roundOf(app, year, areaCode);
  if (!(await ReportSubmissions(app.db).exists({ _id: key(year, areaCode, round) })))
    throw new AppError('REPORT_NOT_SUBMITTED', 409, '该镇街还没有报送，不能退回');
  try {
    await ReportReturns(app.db).create({
      _id: key(year, areaCode, round),
      year,
      areaCode,
      round,
      reason,
      staffId: caller.staff.id,
      staffName: staffName(caller.staff),
      at: app.clock.now(),
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('REPORT_ALREADY_RETURNED', 409, '这份报告已经退回过了');
    throw err;
  }
  await caller.audit('report.yearly.return', { type: 'area', id: areaCode }, { year, round, reason });
  return submissionStatus(app, year, areaCode);
}

/** The report as it was submitted (the latest submission still standing), for the district or the town. */
export async function submittedReport(app: AppContext, caller: Caller, year: number, areaCode: string): Promise<YearlyReport> {
  const area = await getArea(app, areaCode);
  if (!area) throw notFound('地区');
  assertInScope(caller.staff, area.path);
  const sub = await ReportSubmissions(app.db)
    .findById(key(year, areaCode, await roundOf(app, year, areaCode)))
    .lean();
  if (!sub) throw notFound('已报送的报告');
  await caller.audit('report.yearly.view_submitted', { type: 'area', id: areaCode }, { year, round: sub.round });
  return { ...(JSON.parse(sub.report) as YearlyReport), submitted: { at: sub.at.toISOString(), by: sub.staffName } };
}
