import { Types, type Model } from 'mongoose';
import { ObjectId, z } from '../http/zod';

/** Cursor pagination query: `limit` bounded, `cursor` the id of the last item of the previous page. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: ObjectId.optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** The same for lists ordered by a date: the cursor is `<epoch ms>_<id>` (see `findPageByDate`). */
export const DatePageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(60).optional(),
});

export interface Page<R> {
  items: R[];
  nextCursor: string | null;
}

type Shape<T, R> = (rows: T[]) => R[] | Promise<R[]>;

/**
 * One page of `model` under `filter`, newest first (`_id` descending). Reads `limit + 1` rows to know whether
 * another page follows; `shape` turns the page's rows into reply items (all at once, so it can batch lookups).
 */
export async function findPage<T extends { _id: Types.ObjectId }, R>(
  model: Model<T>,
  filter: Record<string, unknown>,
  q: { limit: number; cursor?: string },
  shape: Shape<T, R>,
): Promise<Page<R>> {
  const where = q.cursor ? { ...filter, _id: { $lt: new Types.ObjectId(q.cursor) } } : filter;
  const rows = (await model
    .find(where)
    .sort({ _id: -1 })
    .limit(q.limit + 1)
    .lean()) as T[];
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { items: await shape(page), nextCursor: rows.length > q.limit && last ? String(last._id) : null };
}

/**
 * One page ordered by a date field, then `_id` (ascending or descending). The cursor is `<epoch ms>_<id>` of
 * the last item; a cursor that does not parse starts from the beginning.
 */
export async function findPageByDate<T extends { _id: Types.ObjectId }, R>(
  model: Model<T>,
  filter: Record<string, unknown>,
  q: { limit: number; cursor?: string },
  order: { field: keyof T & string; dir: 1 | -1 },
  shape: Shape<T, R>,
): Promise<Page<R>> {
  const m = q.cursor ? /^(\d{1,15})_([0-9a-f]{24})$/.exec(q.cursor) : null;
  const op = order.dir === 1 ? '$gt' : '$lt';
  let where = filter;
  if (m) {
    const at = new Date(Number(m[1]));
    where = { ...filter, $or: [{ [order.field]: { [op]: at } }, { [order.field]: at, _id: { [op]: new Types.ObjectId(m[2]) } }] };
  }
  const rows = (await model
    .find(where)
    .sort({ [order.field]: order.dir, _id: order.dir })
    .limit(q.limit + 1)
    .lean()) as T[];
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const next = rows.length > q.limit && last ? `${(last[order.field] as unknown as Date).getTime()}_${String(last._id)}` : null;
  return { items: await shape(page), nextCursor: next };
}
