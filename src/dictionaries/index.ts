import { auditAction, auditTarget } from './audit-actions';
import * as domain from './domain';
import { errorCode } from './error-codes';
import type { Dictionary, ValueOf } from './dictionary';

export { dictionary, type Dictionary, type ValueOf } from './dictionary';
export * from './domain';
export { auditAction, auditTarget } from './audit-actions';
export { errorCode } from './error-codes';

export type AuditAction = ValueOf<typeof auditAction>;
export type ErrorCode = ValueOf<typeof errorCode>;

/**
 * Every dictionary, by the name clients know it by: served at GET /api/v1/dictionaries, described in the
 * OpenAPI document, and written into each client's build (`npm run api:types`).
 */
export const dictionaries = { ...domain, auditAction, auditTarget, errorCode } satisfies Record<string, Dictionary<string>>;

export type DictionaryName = keyof typeof dictionaries;
