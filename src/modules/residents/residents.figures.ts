import type { AppContext } from '../../context';
import { figure, figuresByArea, type FigureScope } from '../../lib/area-figures';
import { Residents } from './residents.model';

/** Residents registered by the end of the year (not erased) and those who consented to the basic terms. */
export async function residentFigures(app: AppContext, s: FigureScope) {
  const registered = { createdAt: { $lt: s.to }, erasedAt: { $exists: false } };
  const [all, consented] = await Promise.all([
    figuresByArea(Residents(app.db), s.root, s.codes, { match: registered }),
    figuresByArea(Residents(app.db), s.root, s.codes, { match: { ...registered, 'consents.basic': { $exists: true } } }),
  ]);
  return new Map(s.codes.map((c) => [c, { registered: figure(all, c), consented: figure(consented, c) }]));
}
