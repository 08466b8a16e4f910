import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';

export const CONSENT_PURPOSES = ['basic', 'sensitive-health', 'child-data', 'insurance'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export interface ResidentDoc {
  _id: Types.ObjectId;
  openid: string;
  unionid?: string;
  createdAt: Date;
  lastLoginAt: Date;
  /** Sealed (AES-256-GCM) personal fields. */
  nameEnc?: string;
  phoneEnc?: string;
  /** HMAC of the phone number for exact lookup. */
  phoneIndex?: string;
  sex?: 'male' | 'female';
  birthYear?: number;
  villageCode?: string;
  /** Area codes from the district down to the village; empty until a village is chosen. */
  areaPath: string[];
  elderlyMode: boolean;
  /** Current consent state, derived from the ledger. */
  consents: Partial<Record<ConsentPurpose, { policyVersion: string; grantedAt: Date }>>;
  erasedAt?: Date;
}

const schema = new Schema<ResidentDoc>({
  openid: { type: String, required: true },
  unionid: String,
  createdAt: { type: Date, required: true },
  lastLoginAt: { type: Date, required: true },
  nameEnc: String,
  phoneEnc: String,
  phoneIndex: String,
  sex: { type: String, enum: ['male', 'female'] },
  birthYear: Number,
  villageCode: String,
  areaPath: { type: [String], default: [] },
  elderlyMode: { type: Boolean, default: false },
  consents: { type: Schema.Types.Mixed, default: {} },
  erasedAt: Date,
});
schema.index({ openid: 1 }, { unique: true });
schema.index({ phoneIndex: 1 });
schema.index({ areaPath: 1, _id: -1 });
schema.index({ villageCode: 1 });

export const Residents = defineModel<ResidentDoc>('Resident', schema);

/** Append-only consent ledger: every grant and withdrawal, with the policy version. */
interface ConsentEventDoc {
  _id: Types.ObjectId;
  residentId: Types.ObjectId;
  purpose: ConsentPurpose;
  action: 'grant' | 'withdraw';
  policyVersion: string;
  /** For child-data consent: the guardian's relation to the child. */
  guardianRelation?: string;
  at: Date;
  requestId?: string;
}

const consentSchema = new Schema<ConsentEventDoc>({
  residentId: { type: Schema.Types.ObjectId, required: true },
  purpose: { type: String, required: true },
  action: { type: String, required: true, enum: ['grant', 'withdraw'] },
  policyVersion: { type: String, required: true },
  guardianRelation: String,
  at: { type: Date, required: true },
  requestId: String,
});
consentSchema.index({ residentId: 1, at: -1 });

export const ConsentEvents = defineModel<ConsentEventDoc>('ConsentEvent', consentSchema);
