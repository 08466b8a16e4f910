import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { transitionSchema, type TransitionBase } from '../../lib/case-workflow';
import { enrolmentStatus, insuredRelation, paymentMethod } from '../../dictionaries';

interface Plan {
  code: string;
  name: string;
  premiumFen: number;
  coverage: Array<{ item: string; amountFen: number }>;
}

/** One insurance product of one year. Days are `YYYY-MM-DD` in Asia/Shanghai. */
export interface ProductDoc {
  _id: Types.ObjectId;
  year: number;
  name: string;
  insurer: string;
  plans: Plan[];
  enrolFrom: string;
  enrolTo: string;
  policyStart: string;
  policyEnd: string;
  eligibility: { description: string; minAge: number; maxAge: number };
  createdAt: Date;
  updatedAt: Date;
}

const productSchema = new Schema<ProductDoc>({
  year: { type: Number, required: true },
  name: { type: String, required: true },
  insurer: { type: String, required: true },
  plans: { type: Schema.Types.Mixed, required: true },
  enrolFrom: { type: String, required: true },
  enrolTo: { type: String, required: true },
  policyStart: { type: String, required: true },
  policyEnd: { type: String, required: true },
  eligibility: { type: Schema.Types.Mixed, required: true },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
});
productSchema.index({ policyEnd: 1 });
export const Products = defineModel<ProductDoc>('InsuranceProduct', productSchema);

export const ENROLMENT_STATUSES = enrolmentStatus.values;
export type EnrolmentStatus = (typeof ENROLMENT_STATUSES)[number];
export const RELATIONS = insuredRelation.values;
export const PAYMENT_METHODS = paymentMethod.values;

interface InsuredPerson {
  /** Sealed; removed on erasure. */
  nameEnc?: string;
  idCardEnc?: string;
  /** Blind index of the ID number: the key of the one-active-enrolment rule. */
  idIndex?: string;
  relation: (typeof RELATIONS)[number];
  planCode: string;
  premiumFen: number;
}

export interface EnrolmentDoc {
  _id: Types.ObjectId;
  productId: Types.ObjectId;
  residentId: Types.ObjectId;
  villageCode: string;
  areaPath: string[];
  applicantPhoneEnc?: string;
  insured: InsuredPerson[];
  totalFen: number;
  status: EnrolmentStatus;
  seq: number;
  payment?: { method: (typeof PAYMENT_METHODS)[number]; paidAt: string; amountFen: number };
  policyNo?: string;
  reason?: string;
  createdAt: Date;
  updatedAt: Date;
  personalErasedAt?: Date;
}

const enrolmentSchema = new Schema<EnrolmentDoc>({
  productId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  villageCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  applicantPhoneEnc: String,
  insured: { type: Schema.Types.Mixed, required: true },
  totalFen: { type: Number, required: true },
  status: { type: String, required: true, enum: ENROLMENT_STATUSES },
  seq: { type: Number, required: true },
  payment: Schema.Types.Mixed,
  policyNo: String,
  reason: String,
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  personalErasedAt: Date,
});
enrolmentSchema.index({ residentId: 1, _id: -1 });
enrolmentSchema.index({ areaPath: 1, _id: -1 });
enrolmentSchema.index({ productId: 1, status: 1, _id: 1 });
export const Enrolments = defineModel<EnrolmentDoc>('InsuranceEnrolment', enrolmentSchema);

/** One applied status change; unique (enrolmentId, seq) so two concurrent changes cannot both apply. */
export interface EnrolmentTransitionDoc extends TransitionBase<EnrolmentStatus> {
  enrolmentId: Types.ObjectId;
  payment?: EnrolmentDoc['payment'];
  policyNo?: string;
  reason?: string;
}
export const EnrolmentTransitions = defineModel<EnrolmentTransitionDoc>(
  'InsuranceEnrolmentTransition',
  transitionSchema<EnrolmentTransitionDoc>('enrolmentId', { payment: Schema.Types.Mixed, policyNo: String, reason: String }),
);

/**
 * "One active enrolment per person per product": a key document per insured person, unique (productId, idIndex),
 * deleted when the enrolment is rejected or cancelled (the test server has no partial unique indexes).
 */
interface EnrolmentKeyDoc {
  _id: Types.ObjectId;
  productId: Types.ObjectId;
  idIndex: string;
  enrolmentId: Types.ObjectId;
  createdAt: Date;
}
const keySchema = new Schema<EnrolmentKeyDoc>({
  productId: { type: Schema.Types.ObjectId, required: true },
  idIndex: { type: String, required: true },
  enrolmentId: { type: Schema.Types.ObjectId, required: true },
  createdAt: { type: Date, required: true },
});
keySchema.index({ productId: 1, idIndex: 1 }, { unique: true });
keySchema.index({ enrolmentId: 1 });
export const EnrolmentKeys = defineModel<EnrolmentKeyDoc>('InsuranceEnrolmentKey', keySchema);
