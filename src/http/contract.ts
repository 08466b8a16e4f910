import { isDeepStrictEqual } from 'node:util';
import type { ZodTypeAny } from 'zod';
import { AppError, zodDetails, type FieldError } from './errors';

/**
 * Checks a handler's result against its route's declared `response` schema, as the client will see it: the
 * result goes through JSON first (dates become ISO strings, ObjectIds strings, undefined fields vanish), then
 * must parse, and parsing must not change it — so a field the schema does not declare (an unmasked value, a
 * forgotten internal) fails as surely as a missing or mistyped one. Used when running tests (see `Api`), so
 * every integration test that calls a route checks its contract.
 */
export function checkResponse(schema: ZodTypeAny, result: unknown, route: string): void {
  const wire: unknown = result === undefined ? undefined : JSON.parse(JSON.stringify(result));
  const parsed = schema.safeParse(wire);
  const problems: FieldError[] = parsed.success ? differences(parsed.data, wire) : zodDetails(parsed.error);
  if (!problems.length) return;
  // Loud on purpose: a broken contract is a bug in the route, not the caller's input.
  process.stderr.write(`response contract broken by ${route}: ${JSON.stringify(problems)}\n`);
  throw new AppError('RESPONSE_CONTRACT', 500, `${route} 的回复与接口约定不符`, problems);
}

/** Where the parsed value differs from the sent one: keys the schema dropped, values it rewrote. */
function differences(parsed: unknown, sent: unknown, path: string[] = []): FieldError[] {
  if (isDeepStrictEqual(parsed, sent)) return [];
  const here = path.join('.');
  if (Array.isArray(parsed) && Array.isArray(sent) && parsed.length === sent.length) {
    return sent.flatMap((v, i) => differences(parsed[i], v, [...path, String(i)]));
  }
  if (isRecord(parsed) && isRecord(sent)) {
    const out: FieldError[] = [];
    for (const k of Object.keys(sent)) {
      if (!(k in parsed)) out.push({ path: [...path, k].join('.'), message: 'not declared in the response schema' });
      else out.push(...differences(parsed[k], sent[k], [...path, k]));
    }
    for (const k of Object.keys(parsed)) if (!(k in sent)) out.push({ path: [...path, k].join('.'), message: 'added by the schema (a default or transform)' });
    return out;
  }
  return [{ path: here, message: 'changed by the schema (a transform or coercion)' }];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
