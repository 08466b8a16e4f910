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
