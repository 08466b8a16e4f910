import { loadConfig } from '../../src/config';
import { openBytes, sealBytes, sniffImage } from '../../src/lib/blob-crypto';
import { idCardCheckChar } from '../../src/lib/idcard';
import type { ProductDoc } from '../../src/modules/insurance/insurance.model';
import { ageOn, validateInsured } from '../../src/modules/insurance/insurance.validation';
import { ageInMonths, priorityHint } from '../../src/modules/referrals/referrals.workflow';

describe('referral priority hint', () => {
  test.each([
    ['cleft_lip', '2026-10-01', 'approaching', 1],
    ['cleft_lip', '2026-06-28', 'in_window', 5],
    ['cleft_lip', '2026-04-01', 'past_window', 7],
    ['cleft_palate', '2026-04-01', 'approaching', 7],
    ['cleft_palate', '2025-11-28', 'in_window', 12],
    ['cleft_palate', '2025-01-01', 'past_window', 22],
    ['cleft_lip_palate', '2026-06-28', 'in_window', 5],
    ['cleft_lip_palate', '2026-04-01', 'approaching', 7],
    ['cleft_lip_palate', '2025-11-28', 'in_window', 12],
    ['unsure', '2020-01-01', 'past_window', 82],
  ] as const)('when a %s child born %s is seen on 2026-11-28, then the hint is %s at %i months', (condition, birth, code, months) => {
    expect(priorityHint(condition, birth, '2026-11-28')).toMatchObject({ code, ageMonths: months });
  });

  test('when the day of the month has not come yet, then the month is not counted', () => {
    expect(ageInMonths('2026-08-29', '2026-11-28')).toBe(2);
    expect(ageInMonths('2026-08-28', '2026-11-28')).toBe(3);
  });
});

describe('photo bytes', () => {
  const config = loadConfig({ NODE_ENV: 'test', PII_KEY: 'a'.repeat(64), BLIND_INDEX_KEY: 'b'.repeat(64) });

  test('when sealed and opened, then the bytes come back and the sealed form hides them', () => {
    const plain = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('photo-body')]);
    const sealed = sealBytes(config, plain);
    expect(sealed.keyId).toBe('k1');
    expect(sealed.data.includes(Buffer.from('photo-body'))).toBe(false);
    expect(openBytes(config, sealed.keyId, sealed.data).equals(plain)).toBe(true);
  });

  test('when a sealed photo is tampered with, then opening fails', () => {
    const sealed = sealBytes(config, Buffer.from('abc'));
    sealed.data[sealed.data.length - 1]! ^= 1;
    expect(() => openBytes(config, sealed.keyId, sealed.data)).toThrow();
  });

  test.each([
    [[0xff, 0xd8, 0xff, 0xe0], 'image/jpeg'],
    [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0], 'image/png'],
    [[0x47, 0x49, 0x46, 0x38, 0x39, 0x61], null],
    [[0x89, 0x50, 0x4e, 0x47], null],
  ])('when the first bytes are %j, then the type is %s', (bytes, type) => {
    expect(sniffImage(Buffer.from(bytes))).toBe(type);
  });
});

describe('insured person checks', () => {
  const product = { policyStart: '2027-01-01', plans: [{ code: 'A' }], eligibility: { minAge: 18, maxAge: 60 } } as unknown as ProductDoc;
  const id = (first17: string) => first17 + idCardCheckChar(first17);
  const today = new Date('2026-11-28T00:00:00Z');

  test('when someone turns 18 exactly on the policy start, then they are old enough; a day later they are not', () => {
    expect(ageOn('2009-01-01', '2027-01-01')).toBe(18);
    expect(ageOn('2009-01-02', '2027-01-01')).toBe(17);
    const ok = { name: '甲', idCard: id('37030320090101123'), birthDate: '2009-01-01', sex: 'male' as const, relation: '子女' as const, planCode: 'A' };
    expect(validateInsured(product, [ok], today)).toEqual([]);
    const young = { ...ok, idCard: id('37030320090102123'), birthDate: '2009-01-02' };
    expect(validateInsured(product, [young], today)).toEqual([{ path: 'insured.0.birthDate', message: '年龄不在投保范围（18–60 岁）' }]);
  });

  test('when the same ID number is entered twice, then the second is flagged', () => {
    const p = { name: '乙', idCard: id('37030319800315123'), birthDate: '1980-03-15', sex: 'male' as const, relation: '本人' as const, planCode: 'A' };
    expect(validateInsured(product, [p, { ...p, idCard: p.idCard.toLowerCase() }], today)).toEqual([
      { path: 'insured.1.idCard', message: '同一人不能重复填写' },
    ]);
  });
});
