import { assertInScope, type Caller, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { validationError } from '../../http/errors';
import { shanghaiYear, type FigureScope } from '../../lib/area-figures';
import { areasUnder, getArea, type AreaDoc } from '../areas';
import { groupFigures } from '../campaigns';
import { insuranceFigures } from '../insurance';
import { quizYearFigures, type RoundFigures } from '../quiz';
import { referralFigures } from '../referrals';
import { residentFigures } from '../residents';
import { talkFigures } from '../talks';
import { approvedCases, caseView } from './cases.service';
import { change, proportion, TARGETS, type Proportion } from './literacy';
import { ReportRuns } from './reports.model';

const VILLAGE_LEVELS = ['village', 'community'];
/** Ratios are rounded so that the same data gives the same figures in every format. */
const r4 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10_000) / 10_000);
const r2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);
const ratio = (a: number, b: number): number | null => (b > 0 ? r4(a / b) : null);
const mean = (xs: number[]): number | null => (xs.length ? r2(xs.reduce((s, x) => s + x, 0) / xs.length) : null);
const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const a = [...xs].sort((x, y) => x - y);
  const m = Math.floor(a.length / 2);
  return r2(a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2);
};
const roundProportion = (p: Proportion) => ({ ...p, p: r4(p.p), low: r4(p.low), high: r4(p.high) });

/** Literacy of one area: each round, the latest round it took part in, and the change from its first. */
function literacyOf(code: string, rounds: RoundFigures[]) {
  const per = rounds.map((rd) => {
    const f = rd.byArea.get(code) ?? { takers: 0, literate: 0 };
    return { contestId: rd.contestId, ...roundProportion(proportion(f.literate, f.takers)) };
  });
  const taken = per.filter((x) => x.n > 0);
  const first = taken[0];
  const latest = taken[taken.length - 1];
  const ch = first && latest && first !== latest ? change(proportion(first.x, first.n), proportion(latest.x, latest.n)) : null;
  return {
    rounds: per,
    latest: latest ?? null,
    change: ch && first && latest ? { fromContestId: first.contestId, toContestId: latest.contestId, diff: r4(ch.diff), low: r4(ch.low), high: r4(ch.high), tooSmall: ch.tooSmall } : null,
  };
}

export interface YearlyQuery {
  year: number;
  area?: string;
}

/**
 * Each shown area's figures from every module (residents, quiz, talks, referrals, enrolments, group messages),
 * counted per village path and rolled up; `groupCodes` also get the group figures (bound groups per village);
 * and the literacy rounds concerning the root. The yearly report and the dashboard both read these.
 */
export async function areaFigureRows(app: AppContext, scope: FigureScope, shown: readonly AreaDoc[], groupCodes: readonly string[] = scope.codes) {
  // The quiz's figures and the literacy rounds come from one pass over the year's submissions.
  const rootPath = shown.find((a) => a.code === scope.root)?.path ?? [scope.root];
  const [residents, { quiz, rounds }, talks, referrals, insurance, groups] = await Promise.all([
    residentFigures(app, scope),
    quizYearFigures(app, { ...scope, rootPath }),
    talkFigures(app, scope),
    referralFigures(app, scope),
    insuranceFigures(app, scope),
    groupFigures(app, { ...scope, codes: [...new Set([...scope.codes, ...groupCodes])] }),
  ]);
  const rows = shown.map((a) => {
    const res = residents.get(a.code)!;
    const qz = quiz.get(a.code)!;
    const tk = talks.get(a.code)!;
    const rf = referrals.get(a.code)!;
    const ins = insurance.get(a.code)!;
    return {
      code: a.code,
      name: a.name,
      level: a.level,
      residents: res,
      quiz: { participants: qz.participants, participation: ratio(qz.participants, res.registered), submissions: qz.submissions, averageScore: qz.submissions ? r2(qz.scoreSum / qz.submissions) : null },
      talks: {
        held: tk.held, byKind: tk.byKind, signUps: tk.signUps, attended: tk.attended, noShow: tk.noShow,
        noShowRate: ratio(tk.noShow, tk.signUps), feedbackCount: tk.ratings, feedbackAverage: tk.ratings ? r2(tk.ratingSum / tk.ratings) : null,
      },
      referrals: {
        byStatus: rf.byStatus, total: Object.values(rf.byStatus).reduce((s, n) => s + n, 0),
        referredCount: rf.daysToReferral.length, daysToReferralAverage: mean(rf.daysToReferral), daysToReferralMedian: median(rf.daysToReferral),
      },
      insurance: {
        byStatus: ins.byStatus, total: Object.values(ins.byStatus).reduce((s, n) => s + n, 0),
        insuredPersons: ins.insuredPersons, premiumFen: ins.premiumFen, premiumYuan: ins.premiumFen / 100,
      },
      groups: groups.get(a.code)!,
    };
  });
  return { rows, groups, rounds };
}

/**
 * The yearly summary of an area within the staff member's scope: the area and each child area, every task's
 * figures computed in the database (grouped per village path) and rolled up here, the literacy rounds with
 * Wilson intervals, and the approved 典型. Same data, same figures: nothing depends on the order of reading.
 */
export async function yearlyReport(app: AppContext, staff: StaffPrincipal, q: YearlyQuery) {
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
  const [figures, cases] = await Promise.all([
    // One pass for the areas shown and every village under them (bound groups per village).
    areaFigureRows(app, scope, [area, ...children], villages.map((v) => v.code)),
    approvedCases(app, area.code, from, to),
  ]);
  const { groups, rounds } = figures;
  const names = new Map(under.map((a) => [a.code, a.name]));
  const rows = figures.rows.map(({ code, name, level, residents, quiz, ...rest }) => ({ code, name, level, residents, quiz, literacy: literacyOf(code, rounds), ...rest }));
  return {
    year: q.year,
    area: { code: area.code, name: area.name, level: area.level },
    submitted: undefined as { at: string; by: string } | undefined,
    generatedAt: now.toISOString(),
    targets: TARGETS.map((t) => ({ ...t })),
    rounds: rounds.map((rd) => ({ contestId: rd.contestId, title: rd.title, areaCode: rd.areaCode, startAt: rd.startAt.toISOString(), endAt: rd.endAt.toISOString() })),
    areas: rows,
    groupsByVillage: villages.map((v) => ({ code: v.code, name: v.name, parentName: names.get(v.parentCode ?? '') ?? null, boundGroups: groups.get(v.code)!.boundGroups })),
    cases: cases.map((c) => caseView(c, names.get(c.areaCode))),
  };
}

/** `submitted`: set on a report read back as a town submitted it. */
export type YearlyReport = Awaited<ReturnType<typeof yearlyReport>> & { submitted?: { at: string; by: string } };

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
