/**
 * For an unordered insertMany where duplicate keys are expected (slots, idempotent marks): how many documents
 * were refused as duplicates. Any other error is rethrown. The driver reports one write error as an object
 * and several as an array.
 */
export function duplicatesOnly(err: unknown): number {
  const e = err as { code?: number; writeErrors?: unknown };
  const list = (Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [e]) as { code?: number; err?: { code?: number } }[];
  if (!list.every((w) => (w.code ?? w.err?.code) === 11000)) throw err;
  return list.length;
}
