import crypto from 'node:crypto';
import type { Config } from '../config';

/** Encrypted value as stored: `<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). */
export type Sealed = string;

interface PiiKeys {
  keyId: string;
  key: Buffer;
  old?: ReadonlyMap<string, Buffer>;
  blindIndexKey: Buffer;
  /** The previous blind-index key while lookup indexes are rebuilt (BLIND_INDEX_OLD_KEY). */
  oldBlindIndexKey?: Buffer | null;
}

/** A value sealed by `PiiCrypto.seal`: key id, then iv (12 bytes), tag (16 bytes) and ciphertext in base64url. */
export const SEALED_VALUE = /^([a-z0-9-]{1,16})\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/;

export class PiiCrypto {
  constructor(private readonly keys: PiiKeys) {}

  seal(plain: string): Sealed {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keys.key, iv);
    cipher.setAAD(Buffer.from(this.keys.keyId));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [this.keys.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: Sealed): string {
    const [keyId, iv, tag, ct] = sealed.split('.');
    if (!keyId || !iv || !tag || ct === undefined) throw new Error('malformed sealed value');
    const key = keyId === this.keys.keyId ? this.keys.key : this.keys.old?.get(keyId);
    if (!key) throw new Error(`unknown PII key id ${keyId}`);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** True when the value was sealed with a retired key and should be re-sealed. */
  needsRotation(sealed: Sealed): boolean {
    return !sealed.startsWith(`${this.keys.keyId}.`);
  }

  /** The key id new values are sealed with. */
  get keyId(): string {
    return this.keys.keyId;
  }

  /** Whether `keyId` names the current key or one of PII_OLD_KEYS. */
  canOpen(keyId: string): boolean {
    return keyId === this.keys.keyId || Boolean(this.keys.old?.has(keyId));
  }

  /** Deterministic HMAC for exact lookup and de-duplication; `purpose` keeps indexes of different fields apart. */
  blindIndex(purpose: string, value: string): string {
    return hmacIndex(this.keys.blindIndexKey, purpose, value);
  }

  /** The index under the previous blind-index key, while one is configured (a rotation is under way). */
  oldBlindIndex(purpose: string, value: string): string | null {
    return this.keys.oldBlindIndexKey ? hmacIndex(this.keys.oldBlindIndexKey, purpose, value) : null;
  }

  /** Every value a lookup must match: the current index, and during a rotation the previous one too. */
  blindIndexes(purpose: string, value: string): string[] {
    const old = this.oldBlindIndex(purpose, value);
    return old ? [this.blindIndex(purpose, value), old] : [this.blindIndex(purpose, value)];
  }
}

function hmacIndex(key: Buffer, purpose: string, value: string): string {
  return crypto
    .createHmac('sha256', key)
    .update(`${purpose}\u0000${normalise(value)}`)
    .digest('base64url');
}

/** The crypto of a configuration: PII_KEY with PII_OLD_KEYS, BLIND_INDEX_KEY with BLIND_INDEX_OLD_KEY. */
export function piiFromConfig(config: Config): PiiCrypto {
  return new PiiCrypto({
    keyId: config.PII_KEY_ID,
    key: config.piiKey,
    old: config.oldPiiKeys,
    blindIndexKey: config.blindIndexKey,
    oldBlindIndexKey: config.oldBlindIndexKey,
  });
}

function normalise(v: string): string {
  return v.normalize('NFKC').trim().toUpperCase();
}

export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}

export function maskIdCard(id: string): string {
  return id.length === 18 ? `${id.slice(0, 6)}********${id.slice(-4)}` : '****';
}

/** 张三 → 张*, 欧阳娜娜 → 欧***. */
export function maskName(name: string): string {
  const chars = Array.from(name);
  if (chars.length === 0) return '';
  return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}

export const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;
