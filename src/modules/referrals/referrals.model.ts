import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { transitionSchema, type TransitionBase } from '../../lib/case-workflow';
import { photoSlotSchema, type PhotoSlotFields } from '../../lib/photo-slots';
import { guardianRelation, householdSituation, referralCondition, referralStatus } from '../../dictionaries';

export const REFERRAL_STATUSES = referralStatus.values;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
export const CONDITIONS = referralCondition.values;
export const HOUSEHOLD_SITUATIONS = householdSituation.values;
/** The same choices as the child-data consent's guardian relation. */
export const GUARDIAN_RELATIONS = guardianRelation.values;

/** What is sealed in `personalEnc`: everything that identifies the child or describes the condition. */
export interface ReferralPersonal {
  childName: string;
  childSex: 'male' | 'female';
  childBirthDate: string;
  condition: (typeof CONDITIONS)[number];
  diagnosed: boolean;
  diagnosedWhere?: string;
  otherConditions?: string;
  household: Array<(typeof HOUSEHOLD_SITUATIONS)[number]>;
  guardianRelation: (typeof GUARDIAN_RELATIONS)[number];
  guardianPhone: string;
}

export interface ReferralDoc {
  _id: Types.ObjectId;
  residentId: Types.ObjectId;
  villageCode: string;
  areaPath: string[];
  /** Sealed JSON of ReferralPersonal; removed by the retention job or on erasure. */
  personalEnc?: string;
  /** Blind index of child name + birth date + guardian phone: flags likely duplicates, never merges them. */
  dupIndex?: string;
  status: ReferralStatus;
  /** Number of the last applied transition (0 = submission). */
  seq: number;
  referredTo?: string;
  surgeryDate?: string;
  createdAt: Date;
  updatedAt: Date;
  /** When the case reached withdrawn/completed/not_eligible: the retention period counts from here. */
  closedAt?: Date;
  personalErasedAt?: Date;
}

const schema = new Schema<ReferralDoc>({
  residentId: { type: Schema.Types.ObjectId, required: true },
  villageCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  personalEnc: String,
  dupIndex: String,
  status: { type: String, required: true, enum: REFERRAL_STATUSES },
  seq: { type: Number, required: true },
  referredTo: String,
  surgeryDate: String,
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  closedAt: Date,
  personalErasedAt: Date,
});
schema.index({ residentId: 1, _id: -1 });
schema.index({ areaPath: 1, _id: -1 });
schema.index({ dupIndex: 1 });
schema.index({ closedAt: 1 });

export const Referrals = defineModel<ReferralDoc>('Referral', schema);

/** One applied status change. Unique (referralId, seq): of two concurrent changes only one can be inserted. */
export interface ReferralTransitionDoc extends TransitionBase<ReferralStatus> {
  referralId: Types.ObjectId;
  referredTo?: string;
  surgeryDate?: string;
  reason?: string;
}

export const ReferralTransitions = defineModel<ReferralTransitionDoc>(
  'ReferralTransition',
  transitionSchema<ReferralTransitionDoc>('referralId', { referredTo: String, surgeryDate: String, reason: String }),
);

/** A photo slot: unique (referralId, slot) caps the number of photos without a counter. Bytes live in GridFS. */
interface ReferralPhotoDoc extends PhotoSlotFields {
  referralId: Types.ObjectId;
}

export const ReferralPhotos = defineModel<ReferralPhotoDoc>('ReferralPhoto', photoSlotSchema<ReferralPhotoDoc>('referralId'));
