import type { AppContext } from '../../context';
import { addOnPath, emptyFigures, figure, type FigureScope } from '../../lib/area-figures';
import { Residents } from './residents.model';

/**
 * Residents registered by the end of the year (not erased) and those who consented to the basic terms, in one
 * streamed pass reading the village path and the consent's policy version only (a `$group` per village costs
 * the test server more than reading them).
 */
export async function residentFigures(app: AppContext, s: FigureScope) {
  const f = emptyFigures(s.codes);
  const rows = Residents(app.db)
    .find({ createdAt: { $lt: s.to }, erasedAt: { $exists: false }, areaPath: s.root }, { _id: 0, areaPath: 1, 'consents.basic.policyVersion': 1 })
    .lean()
    .cursor({ batchSize: 5000 });
  for await (const r of rows as AsyncIterable<{ areaPath?: string[]; consents?: { basic?: { policyVersion?: string } } }>) {
    addOnPath(f, r.areaPath ?? [], 'registered', 1);
    if (r.consents?.basic?.policyVersion) addOnPath(f, r.areaPath ?? [], 'consented', 1);
  }
  return new Map(s.codes.map((c) => [c, { registered: figure(f, c, 'registered'), consented: figure(f, c, 'consented') }]));
}
