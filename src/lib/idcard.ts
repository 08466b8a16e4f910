/**
 * Chinese resident ID number check, GB 11643-1999: 18 characters, region, real birth date, ISO 7064 MOD 11-2 checksum.
 * The mini-program checks numbers while they are typed with a copy of this file (`npm run api:types` writes it),
 * so it uses nothing a mini-program lacks.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
/** First two digits of valid province-level codes. */
const PROVINCES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
  '83',
  '91',
]);

export type IdCardError = 'format' | 'region' | 'birthDate' | 'checksum';

/** What each failure tells the person typing the number. */
export const ID_MESSAGES: Readonly<Record<IdCardError, string>> = {
  format: '身份证号应为 18 位数字，最后一位可以是 X',
  region: '身份证号开头的地区码不正确',
  birthDate: '身份证号里的出生日期不正确',
  checksum: '身份证号校验位不对，请逐位核对',
};

export interface IdCardInfo {
  birthDate: string; // YYYY-MM-DD
  sex: 'male' | 'female';
}

/** Whether a number (or its first digits, while it is typed) starts with a real province-level code. */
export const knownRegion = (id: string): boolean => PROVINCES.has(id.slice(0, 2));

export function checkIdCard(raw: string, today: Date = new Date()): { ok: true; info: IdCardInfo } | { ok: false; error: IdCardError } {
  const id = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, error: 'format' };
  if (!knownRegion(id)) return { ok: false, error: 'region' };
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

/** The check character for the first 17 digits (used to build valid numbers in tests and seeds). */
export function idCardCheckChar(first17: string): string {
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(first17[i]), 0);
  return CHECK[sum % 11] as string;
}
