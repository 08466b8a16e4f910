import type { AppContext } from '../../context';
import { z } from '../../http/zod';
import { addOnPath, emptyFigures, figure, labelled, StatusCounts, type FigureScope } from '../../lib/area-figures';
import type { FigureSection } from '../module';
import { ENROLMENT_STATUSES, Enrolments } from './insurance.model';
import { ENROLMENT_LABELS } from './insurance.validation';

/** Enrolments that hold cover: paid, or paid and issued. Their premiums and insured persons are counted. */
const IN_FORCE: readonly string[] = ['paid', 'issued'];

/**
 * Enrolments submitted in the year by status; for those in force, the insured persons and premiums (fen). One
 * streamed pass (tens of thousands a year): insured persons are an array per enrolment, which the test server
 * cannot measure in a pipeline (no `$size`).
 */
export async function insuranceFigures(app: AppContext, s: FigureScope) {
  const f = emptyFigures(s.codes);
  const rows = Enrolments(app.db)
    .find({ createdAt: { $gte: s.from, $lt: s.to }, areaPath: s.root }, { areaPath: 1, status: 1, totalFen: 1, 'insured.relation': 1 })
    .lean()
    .cursor({ batchSize: 2000 });
  for await (const e of rows) {
    addOnPath(f, e.areaPath, e.status, 1);
    if (!IN_FORCE.includes(e.status)) continue;
    addOnPath(f, e.areaPath, 'insured', e.insured.length);
    addOnPath(f, e.areaPath, 'premiumFen', e.totalFen);
  }
  return new Map(
    s.codes.map((c) => [
      c,
      {
        byStatus: Object.fromEntries(ENROLMENT_STATUSES.map((st) => [st, figure(f, c, st)])) as Record<(typeof ENROLMENT_STATUSES)[number], number>,
        insuredPersons: figure(f, c, 'insured'),
        premiumFen: figure(f, c, 'premiumFen'),
      },
    ]),
  );
}

/** Family accident insurance: enrolments by status, insured persons and premiums of those in force. */
export const insuranceFigureSection: FigureSection<Awaited<ReturnType<typeof insuranceFigures>>> = {
  order: 50,
  figures: insuranceFigures,
  row: (f, code) => {
    const ins = f.get(code)!;
    return {
      insurance: {
        byStatus: ins.byStatus,
        total: Object.values(ins.byStatus).reduce((s, n) => s + n, 0),
        insuredPersons: ins.insuredPersons,
        premiumFen: ins.premiumFen,
        premiumYuan: ins.premiumFen / 100,
      },
    };
  },
  rowShape: {
    insurance: z.object({
      byStatus: z.record(z.string(), z.number()),
      total: z.number(),
      insuredPersons: z.number(),
      premiumFen: z.number(),
      premiumYuan: z.number(),
    }),
  },
  dashboard: (r) => ({ insurance: { byStatus: labelled(r.insurance.byStatus, ENROLMENT_LABELS), total: r.insurance.total } }),
  dashboardShape: { insurance: z.object({ byStatus: StatusCounts, total: z.number() }) },
  sheets: (r) => {
    const statuses = Object.keys(ENROLMENT_LABELS) as Array<keyof typeof ENROLMENT_LABELS>;
    return [
      {
        key: 'insurance',
        title: '家庭意外保险',
        percent: [],
        headers: ['地区编码', '地区', ...statuses.map((s) => ENROLMENT_LABELS[s]), '合计', '参保人数', '保费（元）'],
        rows: r.areas.map((a) => [
          a.code,
          a.name,
          ...statuses.map((s) => a.insurance.byStatus[s]),
          a.insurance.total,
          a.insurance.insuredPersons,
          a.insurance.premiumYuan,
        ]),
        note: '参保人数和保费只计已缴费、已出单的投保。',
      },
    ];
  },
  overview: {
    continues: true,
    clauses: (a) => [`家庭意外保险投保 ${a.insurance.total} 份、参保 ${a.insurance.insuredPersons} 人、保费 ${a.insurance.premiumYuan} 元`],
  },
};
