/**
 * Chinese resident ID check (GB 11643-1999): the server's own rules and messages (`idcard-rules.ts` is a
 * generated copy of its src/lib/idcard.ts), so a typo shows while the number is typed instead of after submitting.
 */
import { checkIdCard, ID_MESSAGES, knownRegion, type IdCardInfo } from './idcard-rules';

export { checkIdCard, ID_MESSAGES, type IdCardError, type IdCardInfo } from './idcard-rules';

/** What to show under the field while typing: nothing yet, a count of digits left, or the problem. */
export function idCardHint(raw: string): { error: string; ok: boolean; info?: IdCardInfo } {
  const id = raw.replace(/\s/g, '').toUpperCase();
  if (!id) return { error: '', ok: false };
  if (!/^\d{0,17}[\dX]?$/.test(id)) return { error: '身份证号只能是数字，最后一位可以是 X', ok: false };
  if (id.length >= 2 && !knownRegion(id)) return { error: ID_MESSAGES.region, ok: false };
  if (id.length < 18) return { error: '', ok: false };
  const r = checkIdCard(id);
  return r.ok ? { error: '', ok: true, info: r.info } : { error: ID_MESSAGES[r.error], ok: false };
}
