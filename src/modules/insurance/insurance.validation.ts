import { checkIdCard, ID_MESSAGES } from '../../lib/idcard';
import type { Edges } from '../../lib/workflow';
import type { EnrolmentStatus, ProductDoc } from './insurance.model';
import type { InsuredInput } from './insurance.schemas';
import { enrolmentStatus } from '../../dictionaries';

export interface FieldError {
  path: string;
  message: string;
}

/** Whole years between two `YYYY-MM-DD` days. */
export function ageOn(birthDate: string, day: string): number {
  const years = Number(day.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return day.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

/**
 * Every insured person: GB 11643 number, the birth date and sex in it equal to what was entered, a real plan,
 * age within the product's limits at the policy start, and no one twice. All problems at once, by field.
 */
export function validateInsured(product: ProductDoc, insured: InsuredInput[], today: Date): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  insured.forEach((p, i) => {
    const at = (f: string) => `insured.${i}.${f}`;
    const id = p.idCard.trim().toUpperCase();
    const check = checkIdCard(id, today);
    if (!check.ok) errors.push({ path: at('idCard'), message: ID_MESSAGES[check.error] });
    else {
      if (check.info.birthDate !== p.birthDate) errors.push({ path: at('birthDate'), message: '出生日期与身份证号不一致' });
      if (check.info.sex !== p.sex) errors.push({ path: at('sex'), message: '性别与身份证号不一致' });
      const age = ageOn(check.info.birthDate, product.policyStart);
      if (check.info.birthDate === p.birthDate && (age < product.eligibility.minAge || age > product.eligibility.maxAge)) {
        errors.push({ path: at('birthDate'), message: `年龄不在投保范围（${product.eligibility.minAge}–${product.eligibility.maxAge} 岁）` });
      }
      if (seen.has(id)) errors.push({ path: at('idCard'), message: '同一人不能重复填写' });
      seen.add(id);
    }
    if (!product.plans.some((plan) => plan.code === p.planCode)) errors.push({ path: at('planCode'), message: '请选择有效的保险方案' });
  });
  return errors;
}

/** submitted → verified → paid → issued; rejected or cancelled end it (an issued policy can still be cancelled). */
export const ENROLMENT_EDGES: Edges<EnrolmentStatus> = {
  submitted: ['verified', 'rejected', 'cancelled'],
  verified: ['paid', 'rejected', 'cancelled'],
  paid: ['issued', 'rejected', 'cancelled'],
  issued: ['cancelled'],
  rejected: [],
  cancelled: [],
};

export const ENROLMENT_LABELS = enrolmentStatus.labels;

/** Residents may cancel only before paying; afterwards staff handle refunds. */
export const RESIDENT_CANCELLABLE: readonly EnrolmentStatus[] = ['submitted', 'verified'];
