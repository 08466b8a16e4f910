import type { Model } from 'mongoose';
import { z } from '../http/zod';

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
  const rows = model
    .aggregate<{ _id: unknown; n: number }>([
      { $match: { ...g.match, [field]: root } },
      { $group: { _id: g.by ? { p: `$${field}`, k: `$${g.by}` } : `$${field}`, n: g.sum ? { $sum: `$${g.sum}` } : { $sum: 1 } } },
    ])
    .cursor();
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

/** Ratios are rounded so that the same data gives the same figures in every format. */
export const r4 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10_000) / 10_000);
export const r2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);
export const ratio = (a: number, b: number): number | null => (b > 0 ? r4(a / b) : null);
export const mean = (xs: number[]): number | null => (xs.length ? r2(xs.reduce((s, x) => s + x, 0) / xs.length) : null);
export const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const a = [...xs].sort((x, y) => x - y);
  const m = Math.floor(a.length / 2);
  return r2(a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2);
};

/** Counts by status with the Chinese name staff know them by, in workflow order. */
export const labelled = (counts: Record<string, number>, labels: Record<string, string>) =>
  Object.entries(labels).map(([status, label]) => ({ status, label, count: counts[status] ?? 0 }));

export type Cell = string | number | null;
export const percentText = (x: Cell): string => (typeof x === 'number' ? `${(x * 100).toFixed(2)}%` : '—');
export const cellText = (x: Cell): string => (x === null ? '—' : String(x));
/** `labelled` counts, as a response describes them. */
export const StatusCounts = z.array(z.object({ status: z.string(), label: z.string(), count: z.number() }));
