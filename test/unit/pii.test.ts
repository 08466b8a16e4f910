import { checkIdCard, idCardCheckChar } from '../../src/lib/idcard';
import { maskIdCard, maskName, maskPhone, PiiCrypto, SEALED_VALUE } from '../../src/lib/pii';

const key = (c: string) => Buffer.from(c.repeat(64), 'hex');

describe('PiiCrypto', () => {
  const crypto = new PiiCrypto({ keyId: 'k2', key: key('2'), old: new Map([['k1', key('1')]]), blindIndexKey: key('b') });
  test('when a value is sealed, then it opens again and never equals the plaintext', () => {
    const s = crypto.seal('13812345678');
    expect(s).toMatch(/^k2\./);
    expect(s).not.toContain('13812345678');
    expect(crypto.open(s)).toBe('13812345678');
    expect(crypto.seal('13812345678')).not.toBe(s); // random IV
  });
  test('when a value was sealed with a retired key, then it still opens and is flagged for rotation', () => {
    const old = new PiiCrypto({ keyId: 'k1', key: key('1'), blindIndexKey: key('b') }).seal('张三');
    expect(crypto.open(old)).toBe('张三');
    expect(crypto.needsRotation(old)).toBe(true);
  });
  test('when a ciphertext is tampered with, then opening fails', () => {
    const s = crypto.seal('secret');
    const parts = s.split('.');
    parts[3] = Buffer.from('XXXXXX').toString('base64url');
    expect(() => crypto.open(parts.join('.'))).toThrow();
  });
  test('when blind indexes are computed, then they are stable, normalised and separated by purpose', () => {
    expect(crypto.blindIndex('phone', ' 13812345678')).toBe(crypto.blindIndex('phone', '13812345678'));
    expect(crypto.blindIndex('idcard', '11010519491231002x')).toBe(crypto.blindIndex('idcard', '11010519491231002X'));
    expect(crypto.blindIndex('phone', '1')).not.toBe(crypto.blindIndex('name', '1'));
  });
  test('when a blind-index key is being replaced, then lookups match the index under either key and writes use the new one', () => {
    const before = new PiiCrypto({ keyId: 'k2', key: key('2'), blindIndexKey: key('b') });
    const during = new PiiCrypto({ keyId: 'k2', key: key('2'), blindIndexKey: key('c'), oldBlindIndexKey: key('b') });
    expect(during.blindIndexes('phone', '13812345678')).toEqual([during.blindIndex('phone', '13812345678'), before.blindIndex('phone', '13812345678')]);
    expect(during.blindIndex('phone', '13812345678')).not.toBe(before.blindIndex('phone', '13812345678'));
    expect(crypto.blindIndexes('phone', '13812345678')).toEqual([crypto.blindIndex('phone', '13812345678')]);
    expect(crypto.oldBlindIndex('phone', '13812345678')).toBeNull();
  });
  test('when a sealed value is recognised by its shape, then its key id is read and other strings are not taken for one', () => {
    expect(SEALED_VALUE.exec(crypto.seal('张三'))?.[1]).toBe('k2');
    expect(SEALED_VALUE.test('k1.not-a-sealed-value')).toBe(false);
    expect(SEALED_VALUE.test('370303-JD-MS')).toBe(false);
    expect(crypto.canOpen('k1')).toBe(true);
    expect(crypto.canOpen('k9')).toBe(false);
  });
});

describe('masking', () => {
  test('when values are masked, then only the agreed parts show', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskIdCard('370303199001011234')).toBe('370303********1234');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
  });
});

describe('ID card check (GB 11643)', () => {
  const valid = (first17: string) => first17 + idCardCheckChar(first17);
  test('when the number is valid, then birth date and sex are derived', () => {
    expect(checkIdCard('11010519491231002X')).toEqual({ ok: true, info: { birthDate: '1949-12-31', sex: 'female' } });
    expect(checkIdCard(valid('37030319900101123'))).toEqual({ ok: true, info: { birthDate: '1990-01-01', sex: 'male' } });
  });
  test.each([
    ['11010519491231002', 'format'],
    ['99010519491231002X', 'region'],
    [valid('37030319900230123'), 'birthDate'],
    [valid('37030330000101123'), 'birthDate'],
    ['110105194912310021', 'checksum'],
  ])('when the number is %s, then it fails with %s', (id, error) => {
    expect(checkIdCard(id, new Date('2026-11-28'))).toEqual({ ok: false, error });
  });
});
