/**
 * Chinese resident ID check (GB 11643-1999), the same rules and messages as the server's src/lib/idcard.ts, so a
 * typo shows while the number is typed instead of after submitting.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
const PROVINCES = [
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44',
  '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '83', '91',
];

export type IdCardError = 'format' | 'region' | 'birthDate' | 'checksum';

export interface IdCardInfo {
  birthDate: string;
  sex: 'male' | 'female';
}

export const ID_MESSAGES: Record<IdCardError, string> = {
  format: '身份证号应为 18 位数字，最后一位可以是 X',
  region: '身份证号开头的地区码不正确',
  birthDate: '身份证号里的出生日期不正确',
  checksum: '身份证号校验位不对，请逐位核对',
};

export function checkIdCard(raw: string, today: Date = new Date()): { ok: true; info: IdCardInfo } | { ok: false; error: IdCardError } {
  const id = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, error: 'format' };
  if (PROVINCES.indexOf(id.slice(0, 2)) < 0) return { ok: false, error: 'region' };
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || date > today) {
    return { ok: false, error: 'birthDate' };
  }
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  if (CHECK[sum % 11] !== id[17]) return { ok: false, error: 'checksum' };
  return {
    ok: true,
    info: { birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`, sex: Number(id[16]) % 2 === 1 ? 'male' : 'female' },
  };
}

/** What to show under the field while typing: nothing yet, a count of digits left, or the problem. */
export function idCardHint(raw: string): { error: string; ok: boolean; info?: IdCardInfo } {
  const id = raw.replace(/\s/g, '').toUpperCase();
  if (!id) return { error: '', ok: false };
  if (!/^\d{0,17}[\dX]?$/.test(id)) return { error: '身份证号只能是数字，最后一位可以是 X', ok: false };
  if (id.length >= 2 && PROVINCES.indexOf(id.slice(0, 2)) < 0) return { error: ID_MESSAGES.region, ok: false };
  if (id.length < 18) return { error: '', ok: false };
  const r = checkIdCard(id);
  return r.ok ? { error: '', ok: true, info: r.info } : { error: ID_MESSAGES[r.error], ok: false };
}
