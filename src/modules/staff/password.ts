import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>;
const PARAMS = { N: 16384, r: 8, p: 1 };

/** `scrypt$N$r$p$salt$hash`, so parameters can be raised later without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, 32, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return crypto.timingSafeEqual(expected, actual);
}

/** Spend the same time on unknown usernames as on known ones. */
export const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/**
 * Passwords that guessing tries first: the sample in the README, keyboard walks, repeated or counted characters,
 * and the usual words with digits. Compared without case, spaces, dashes or underscores.
 */
const COMMON = new Set([
  'alongpassword',
  'password',
  'password1',
  'password12',
  'password123',
  'password1234',
  'passw0rd123',
  'p@ssw0rd123',
  'administrator',
  'admin12345',
  'admin123456',
  'admin@12345',
  'admin@123456',
  'root123456',
  'welcome123',
  'welcome1234',
  'qwertyuiop',
  'qwerty12345',
  'qwerty123456',
  '1qaz2wsx3edc',
  'asdfghjkl1',
  'zxcvbnm123',
  'iloveyou123',
  'abc1234567',
  'abcd123456',
  'abcdefghij',
  'a123456789',
  'aa12345678',
  'woaini1314',
  'woaini520',
  'zhangdian123',
  'zibo123456',
  'jishengxie123',
  'weijianju123',
]);

/** Why a new password is refused, or null when it will do. */
export function weakPasswordReason(password: string): string | null {
  const plain = password.toLowerCase().replace(/[\s_-]/g, '');
  if (COMMON.has(plain)) return '这个密码太常见，容易被猜到，请换一个';
  if (/^(.)\1+$/.test(plain) || /^\d+$/.test(plain)) return '密码不能只是数字或同一个字符，请加入字母';
  return null;
}
