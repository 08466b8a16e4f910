import type { AppContext } from '../../context';
import type { FigureScope } from '../../lib/area-figures';
import type { FigureRequest, FigureRow, FigureSection } from '../module';

let sections: readonly FigureSection[] = [];

/** The modules' figure sections, given once by the module list; kept in their order. */
export function useFigureSections(list: readonly FigureSection[]): void {
  sections = [...list].sort((a, b) => a.order - b.order);
}

export const figureSections = (): readonly FigureSection[] => sections;

/**
 * Each shown area's row from every section (the area, then each section's fields, in order), and the
 * report-wide fields before and after the rows. Every section counts in the database, grouped per village
 * path, and rolls up; the yearly report and the dashboard both read these.
 */
export async function areaFigureRows(app: AppContext, scope: FigureScope, shown: FigureRequest['shown'], villages: FigureRequest['villages'] = []) {
  const q: FigureRequest = { ...scope, shown, villages };
  const list = figureSections();
  const figures = await Promise.all(list.map((s) => s.figures(app, q)));
  const rows = shown.map((a) => {
    const row: FigureRow = { code: a.code, name: a.name, level: a.level };
    list.forEach((s, i) => Object.assign(row, s.row(figures[i], a.code, row)));
    return row;
  });
  const merged = (part: (s: FigureSection, f: unknown) => Record<string, unknown> | undefined) =>
    Object.assign({}, ...list.map((s, i) => part(s, figures[i]) ?? {})) as Record<string, unknown>;
  return { rows, head: merged((s, f) => s.head?.(f, q)), tail: merged((s, f) => s.tail?.(f, q)) };
}
