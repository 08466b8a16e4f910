import type { AppContext } from '../../context';
import { addOnPath, emptyFigures, figure, type FigureScope } from '../../lib/area-figures';
import { Residents } from './residents.model';

/**
 * Residents registered by the end of the year (not erased) and those who consented to the basic terms, in one
 * pass: grouped by (village path, basic consent's policy version — absent without consent).
 */
export async function residentFigures(app: AppContext, s: FigureScope) {
  const f = emptyFigures(s.codes);
  const rows = Residents(app.db).aggregate<{ _id: { p?: string[]; v?: string | null }; n: number }>([
    { $match: { createdAt: { $lt: s.to }, erasedAt: { $exists: false }, areaPath: s.root } },
    { $group: { _id: { p: '$areaPath', v: '$consents.basic.policyVersion' }, n: { $sum: 1 } } },
  ]).cursor();
  for await (const row of rows) {
    addOnPath(f, row._id.p ?? [], 'registered', row.n);
    if (row._id.v) addOnPath(f, row._id.p ?? [], 'consented', row.n);
  }
  return new Map(s.codes.map((c) => [c, { registered: figure(f, c, 'registered'), consented: figure(f, c, 'consented') }]));
}
