import { assertInScope, type Caller, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { validationError } from '../../http/errors';
import { shanghaiYear, type FigureScope } from '../../lib/area-figures';
import { areasUnder, getArea } from '../areas';
import type { FigureReport } from '../module';
import { approvedCases, caseView } from './cases.service';
import { areaFigureRows } from './figures';
import { ReportRuns } from './reports.model';

const VILLAGE_LEVELS = ['village', 'community'];

export interface YearlyQuery {
  year: number;
  area?: string;
}

/**
 * The yearly summary of an area within the staff member's scope: the area and each child area, every module's
 * figure section (counted in the database per village path and rolled up), and the approved 典型. Same data,
 * same figures: nothing depends on the order of reading.
 */
export async function yearlyReport(app: AppContext, staff: StaffPrincipal, q: YearlyQuery): Promise<YearlyReport> {
  const area = await getArea(app, q.area ?? staff.areaCode);
  if (!area) throw validationError('area', '地区不存在', { code: 'INVALID_AREA' });
  assertInScope(staff, area.path);
  const under = await areasUnder(app, area.code);
  const children = under.filter((a) => a.parentCode === area.code);
  const villages = under.filter((a) => VILLAGE_LEVELS.includes(a.level));
  const { from, to } = shanghaiYear(q.year);
  const now = app.clock.now();
  const codes = [area.code, ...children.map((c) => c.code)];
  const scope: FigureScope = { root: area.code, codes, from, to, now };
  const names = new Map(under.map((a) => [a.code, a.name]));
  const [figures, cases] = await Promise.all([
    // One pass for the areas shown and every village under them (bound groups per village).
    areaFigureRows(
      app,
      scope,
      [area, ...children],
      villages.map((v) => ({ code: v.code, name: v.name, parentName: names.get(v.parentCode ?? '') ?? null })),
    ),
    approvedCases(app, area.code, from, to),
  ]);
  const report: YearlyReport = {
    year: q.year,
    area: { code: area.code, name: area.name, level: area.level },
    submitted: undefined,
    generatedAt: now.toISOString(),
    ...figures.head,
    areas: figures.rows,
    ...figures.tail,
    cases: cases.map((c) => caseView(c, names.get(c.areaCode))),
  };
  return report;
}

/** The report: every section's fields (see `FigureSection`), the approved cases; `submitted` on a report read back as a town submitted it. */
export interface YearlyReport extends FigureReport {
  submitted?: { at: string; by: string };
  generatedAt: string;
  cases: Array<ReturnType<typeof caseView>>;
}

/**
 * A staff member generates the report: the audit record and the run are written before any byte leaves,
 * so no report is handed out unrecorded.
 */
export async function generateYearlyReport(app: AppContext, caller: Caller, q: YearlyQuery, format: string): Promise<YearlyReport> {
  const report = await yearlyReport(app, caller.staff, q);
  await caller.audit('report.yearly.generate', { type: 'area', id: report.area.code }, { year: q.year, format });
  await recordRun(app, caller.staff, q.year, report.area.code, format);
  return report;
}

/** Remember the first generation of an area's report for the year (the reminders look for it). */
async function recordRun(app: AppContext, staff: StaffPrincipal, year: number, areaCode: string, format: string): Promise<void> {
  try {
    await ReportRuns(app.db).create({ _id: `${year}:${areaCode}`, year, areaCode, staffId: staff.id, format, at: app.clock.now() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}
