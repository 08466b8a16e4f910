import { idCardCheckChar } from '../../src/lib/idcard';
import type { TestApp } from './app';
import { residentLogin } from './fixtures';

/** A valid 18-digit ID number of a person born `YYYYMMDD`; an odd sequence (last of the three digits) is male. */
export const idOf = (birth: string, seq: string): string => {
  const first17 = `370303${birth}${seq}`;
  return first17 + idCardCheckChar(first17);
};

export const PRODUCT = {
  year: 2027,
  name: '2027年计生家庭意外伤害保险',
  insurer: '中国人寿淄博分公司',
  plans: [{ code: 'A', name: '基础保障', premiumFen: 5000, coverage: [{ item: '意外身故', amountFen: 5_000_000 }] }],
  enrolFrom: '2026-11-01',
  enrolTo: '2026-12-31',
  policyStart: '2027-01-01',
  policyEnd: '2027-12-31',
  eligibility: { description: '计生家庭成员', minAge: 0, maxAge: 80 },
};

export async function createProduct(t: TestApp, districtToken: string, over: Partial<typeof PRODUCT> = {}): Promise<string> {
  const res = await t.request('POST', '/api/admin/v1/insurance/products', { token: districtToken, body: { ...PRODUCT, ...over } });
  if (res.status !== 201) throw new Error(`product: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** A resident of `village` with the insurance consent enrols the given people (name, ID number born in 1980). */
export async function enrolHousehold(t: TestApp, productId: string, village: string, people: Array<{ name: string; idCard: string }>): Promise<string> {
  const r = await residentLogin(t, undefined, { village, phone: '13800002222' });
  await t.request('POST', '/api/v1/me/consents', { token: r.token, body: { purpose: 'insurance', policyVersion: t.app.config.POLICY_VERSION } });
  const insured = people.map((p, i) => {
    const birth = p.idCard.slice(6, 14);
    return {
      name: p.name,
      idCard: p.idCard,
      birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`,
      sex: Number(p.idCard[16]) % 2 ? 'male' : 'female',
      relation: i === 0 ? '本人' : '子女',
      planCode: 'A',
    };
  });
  const res = await t.request('POST', '/api/v1/insurance/enrolments', { token: r.token, body: { productId, applicantPhone: '13911112222', insured } });
  if (res.status !== 201) throw new Error(`enrol: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}
