import { z } from '../http/zod';

/** Cursor pagination over `_id` (descending = newest first). */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^[0-9a-f]{24}$/).optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export function pageFilter(q: PageQuery): Record<string, unknown> {
  return q.cursor ? { _id: { $lt: q.cursor } } : {};
}

export function pageResult<T extends { _id: unknown }, R>(rows: T[], q: PageQuery, map: (row: T) => R): { items: R[]; nextCursor: string | null } {
  const hasMore = rows.length > q.limit;
  const page = hasMore ? rows.slice(0, q.limit) : rows;
  const last = page[page.length - 1];
  return { items: page.map(map), nextCursor: hasMore && last ? String(last._id) : null };
}
