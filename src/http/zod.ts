import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { useChineseMessages } from './zod-messages';

// Schemas import `z` from here so every schema can carry OpenAPI metadata.
extendZodWithOpenApi(z);
useChineseMessages();

export { z };

/** Error body shared by every route. */
export const ErrorBody = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .openapi('Error');

export const ObjectId = z.string().regex(/^[0-9a-f]{24}$/, '编号格式不正确');

/** A time in a reply: an ISO 8601 UTC string (`Date` serialises to it). */
export const IsoDateTime = z.string().datetime();

/** A cursor page of `item`s in a reply; `nextCursor` is null on the last page. */
export const pageOf = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** The `response` of a 204 route: the handler returns null and the reply has no body. */
export const NoContent = z.null();
