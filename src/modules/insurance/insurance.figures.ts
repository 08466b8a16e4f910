import type { AppContext } from '../../context';
import { addOnPath, emptyFigures, figure, figuresByArea, type FigureScope } from '../../lib/area-figures';
import { ENROLMENT_STATUSES, Enrolments } from './insurance.model';

/** Enrolments that hold cover: paid, or paid and issued. Their premiums and insured persons are counted. */
const IN_FORCE = ['paid', 'issued'];

/** Enrolments submitted in the year by status; for those in force, the insured persons and premiums (fen). */
export async function insuranceFigures(app: AppContext, s: FigureScope) {
  const match = { createdAt: { $gte: s.from, $lt: s.to } };
  const inForce = { ...match, status: { $in: IN_FORCE } };
  const [byStatus, premiums] = await Promise.all([
    figuresByArea(Enrolments(app.db), s.root, s.codes, { match, by: 'status' }),
    figuresByArea(Enrolments(app.db), s.root, s.codes, { match: inForce, sum: 'totalFen' }),
  ]);
  // Insured persons are an array per enrolment (no $size on the test server): streamed, relation only.
  const insured = emptyFigures(s.codes);
  for await (const e of Enrolments(app.db).find({ ...inForce, areaPath: s.root }, { areaPath: 1, 'insured.relation': 1 }).lean().cursor()) {
    addOnPath(insured, e.areaPath, '', e.insured.length);
  }
  return new Map(s.codes.map((c) => [c, {
    byStatus: Object.fromEntries(ENROLMENT_STATUSES.map((st) => [st, figure(byStatus, c, st)])) as Record<(typeof ENROLMENT_STATUSES)[number], number>,
    insuredPersons: figure(insured, c),
    premiumFen: figure(premiums, c),
  }]));
}
