import crypto from 'node:crypto';
import type { Config } from '../config';

/**
 * AES-256-GCM for binary data (photos) with the same keys as `PiiCrypto`; base64-in-string sealing would nearly
 * double the size. Layout: iv(12) | tag(16) | ciphertext; the key id is stored beside it.
 */
export function sealBytes(config: Config, plain: Buffer): { keyId: string; data: Buffer } {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', config.piiKey, iv);
  cipher.setAAD(Buffer.from(config.PII_KEY_ID));
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { keyId: config.PII_KEY_ID, data: Buffer.concat([iv, cipher.getAuthTag(), ct]) };
}

export function openBytes(config: Config, keyId: string, sealed: Buffer): Buffer {
  const key = keyId === config.PII_KEY_ID ? config.piiKey : config.oldPiiKeys.get(keyId);
  if (!key) throw new Error(`unknown PII key id ${keyId}`);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(keyId));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
}

/** Image type from the first bytes, never from the name or a declared type. */
export function sniffImage(buf: Buffer): 'image/jpeg' | 'image/png' | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (buf.length >= 8 && png.every((b, i) => buf[i] === b)) return 'image/png';
  return null;
}
