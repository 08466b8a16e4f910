import type { AppContext } from '../../context';
import { addOnPath, emptyFigures, figure, type FigureScope } from '../../lib/area-figures';
import { ENROLMENT_STATUSES, Enrolments } from './insurance.model';

/** Enrolments that hold cover: paid, or paid and issued. Their premiums and insured persons are counted. */
const IN_FORCE: readonly string[] = ['paid', 'issued'];

/**
 * Enrolments submitted in the year by status; for those in force, the insured persons and premiums (fen). One
 * streamed pass (tens of thousands a year): insured persons are an array per enrolment, which the test server
 * cannot measure in a pipeline (no `$size`).
 */
export async function insuranceFigures(app: AppContext, s: FigureScope) {
  const f = emptyFigures(s.codes);
  const rows = Enrolments(app.db).find({ createdAt: { $gte: s.from, $lt: s.to }, areaPath: s.root }, { areaPath: 1, status: 1, totalFen: 1, 'insured.relation': 1 }).lean().cursor({ batchSize: 2000 });
  for await (const e of rows) {
    addOnPath(f, e.areaPath, e.status, 1);
    if (!IN_FORCE.includes(e.status)) continue;
    addOnPath(f, e.areaPath, 'insured', e.insured.length);
    addOnPath(f, e.areaPath, 'premiumFen', e.totalFen);
  }
  return new Map(s.codes.map((c) => [c, {
    byStatus: Object.fromEntries(ENROLMENT_STATUSES.map((st) => [st, figure(f, c, st)])) as Record<(typeof ENROLMENT_STATUSES)[number], number>,
    insuredPersons: figure(f, c, 'insured'),
    premiumFen: figure(f, c, 'premiumFen'),
  }]));
}
