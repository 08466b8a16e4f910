import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { transitionSchema, type TransitionBase } from '../../lib/case-workflow';
import { careFamilyType, careHelpKind, careHelpStatus } from '../../dictionaries';

export const FAMILY_TYPES = careFamilyType.values;
export type FamilyType = (typeof FAMILY_TYPES)[number];
export const FAMILY_TYPE_LABELS = careFamilyType.labels;
/** Default days between visits: monthly for 计生特殊家庭 and left-behind people, quarterly for hardship families. */
export const VISIT_EVERY_DAYS: Readonly<Record<FamilyType, number>> = { shidu: 30, shangcan: 30, liushou_elder: 30, liushou_child: 30, kunnan: 90 };

/** What is sealed in `personalEnc`: every name, phone and need of the family. */
export interface FamilyPersonal {
  contact: { name: string; phone?: string };
  members: Array<{ name: string; relation: string; birthYear?: number }>;
  needs: string;
}

export interface CareFamilyDoc {
  _id: Types.ObjectId;
  type: FamilyType;
  villageCode: string;
  areaPath: string[];
  personalEnc?: string;
  /** The village worker who registered it; they and the paired core member see it, besides admins in scope. */
  registeredBy: string;
  pairedStaffId?: string;
  consent: { method: 'signed_form' | 'in_person'; recordedBy: string; at: Date };
  status: 'active' | 'closed' | 'withdrawn';
  visitEveryDays: number;
  lastVisitAt?: Date;
  nextVisitDue: Date;
  createdAt: Date;
  updatedAt: Date;
  closedAt?: Date;
  personalErasedAt?: Date;
}

const familySchema = new Schema<CareFamilyDoc>({
  type: { type: String, required: true, enum: FAMILY_TYPES },
  villageCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  personalEnc: String,
  registeredBy: { type: String, required: true },
  pairedStaffId: String,
  consent: { type: Schema.Types.Mixed, required: true },
  status: { type: String, required: true, enum: ['active', 'closed', 'withdrawn'] },
  visitEveryDays: { type: Number, required: true },
  lastVisitAt: Date,
  nextVisitDue: { type: Date, required: true },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  closedAt: Date,
  personalErasedAt: Date,
});
familySchema.index({ areaPath: 1, _id: -1 });
familySchema.index({ registeredBy: 1 });
familySchema.index({ pairedStaffId: 1 });
familySchema.index({ status: 1, nextVisitDue: 1 });
familySchema.index({ closedAt: 1 });
export const CareFamilies = defineModel<CareFamilyDoc>('CareFamily', familySchema);

/** One visit; what was done and the next step are sealed (they tell about the family). */
interface CareVisitDoc {
  _id: Types.ObjectId;
  familyId: Types.ObjectId;
  villageCode: string;
  areaPath: string[];
  on: string;
  at: Date;
  byStaffId: string;
  byName: string;
  notesEnc?: string;
  createdAt: Date;
}
const visitSchema = new Schema<CareVisitDoc>({
  familyId: { type: Schema.Types.ObjectId, required: true },
  villageCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  on: { type: String, required: true },
  at: { type: Date, required: true },
  byStaffId: { type: String, required: true },
  byName: { type: String, required: true },
  notesEnc: String,
  createdAt: { type: Date, required: true },
});
visitSchema.index({ familyId: 1, at: -1 });
visitSchema.index({ areaPath: 1, at: -1 });
export const CareVisits = defineModel<CareVisitDoc>('CareVisit', visitSchema);

export const HELP_STATUSES = careHelpStatus.values;
export type HelpStatus = (typeof HELP_STATUSES)[number];
export const HELP_KINDS = careHelpKind.values;

/** A help request of a family, moved along its workflow by transitions (unique (helpRequestId, seq)). */
export interface HelpRequestDoc {
  _id: Types.ObjectId;
  familyId: Types.ObjectId;
  villageCode: string;
  areaPath: string[];
  kind: (typeof HELP_KINDS)[number];
  detailEnc?: string;
  status: HelpStatus;
  seq: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}
const helpSchema = new Schema<HelpRequestDoc>({
  familyId: { type: Schema.Types.ObjectId, required: true },
  villageCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  kind: { type: String, required: true, enum: HELP_KINDS },
  detailEnc: String,
  status: { type: String, required: true, enum: HELP_STATUSES },
  seq: { type: Number, required: true },
  createdBy: { type: String, required: true },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
});
helpSchema.index({ familyId: 1 });
helpSchema.index({ areaPath: 1, _id: -1 });
export const HelpRequests = defineModel<HelpRequestDoc>('CareHelpRequest', helpSchema);

export interface HelpTransitionDoc extends TransitionBase<HelpStatus> {
  helpRequestId: Types.ObjectId;
}
export const HelpTransitions = defineModel<HelpTransitionDoc>('CareHelpTransition', transitionSchema<HelpTransitionDoc>('helpRequestId'));
