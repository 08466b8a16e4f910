import type { Model } from 'mongoose';

/** Figures of the areas a report shows: for each area code, a value per key (`''` when not split). */
export type AreaFigures = Map<string, Map<string, number>>;

interface AreaGroup {
  /** Filter besides the area (dates, status); the area itself is matched on `areaField` = root code. */
  match: Record<string, unknown>;
  /** Split each area's figure by this field's value. */
  by?: string;
  /** Sum this numeric field instead of counting documents. */
  sum?: string;
  areaField?: string;
}

/**
 * Count (or sum) documents under `root` per area path in the database, then add each path's figure to every
 * area of `codes` on it, so a village's documents count for the village, its town and the district.
 * Grouping on the whole path array keeps the result to one row per village (and split value). One
 * accumulator per `$group`: FerretDB 1.24 computes only the first accumulator of a stage (the others come
 * back 0), and its `$unwind` drops the other fields, so neither is relied on.
 */
export async function figuresByArea(model: Model<any>, root: string, codes: readonly string[], g: AreaGroup): Promise<AreaFigures> {
  const field = g.areaField ?? 'areaPath';
  const rows = model.aggregate<{ _id: unknown; n: number }>([
    { $match: { ...g.match, [field]: root } },
    { $group: { _id: g.by ? { p: `$${field}`, k: `$${g.by}` } : `$${field}`, n: g.sum ? { $sum: `$${g.sum}` } : { $sum: 1 } } },
  ]).cursor();
  const out = emptyFigures(codes);
  for await (const row of rows) {
    const id = row._id as { p?: unknown; k?: unknown } | unknown[];
    const path = (g.by ? (id as { p?: unknown }).p : id) as unknown;
    const key = g.by ? String((id as { k?: unknown }).k ?? '') : '';
    addOnPath(out, Array.isArray(path) ? path.map(String) : [], key, row.n);
  }
  return out;
}

export function emptyFigures(codes: readonly string[]): AreaFigures {
  return new Map(codes.map((c) => [c, new Map<string, number>()]));
}

/** Add `n` under `key` to every area of the report that lies on `path`. */
export function addOnPath(out: AreaFigures, path: readonly string[], key: string, n: number): void {
  for (const code of path) {
    const m = out.get(code);
    if (m) m.set(key, (m.get(key) ?? 0) + n);
  }
}

export const figure = (f: AreaFigures, code: string, key = ''): number => f.get(code)?.get(key) ?? 0;

/** Half-open year in the district's time zone: [1 Jan 00:00 +08:00, next 1 Jan). */
export function shanghaiYear(year: number): { from: Date; to: Date } {
  return { from: new Date(`${year}-01-01T00:00:00+08:00`), to: new Date(`${year + 1}-01-01T00:00:00+08:00`) };
}

/** What a module's yearly figures are asked for: the report's root area, the areas shown, the year. */
export interface FigureScope {
  root: string;
  codes: readonly string[];
  from: Date;
  to: Date;
  /** Figures never count what has not happened yet (a report of the running year). */
  now: Date;
}
