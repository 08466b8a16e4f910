import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { transitionSchema, type TransitionBase } from '../../lib/case-workflow';
import { photoSlotSchema, type PhotoSlotFields } from '../../lib/photo-slots';
import { requestKind, requestStatus } from '../../dictionaries';

export const REQUEST_KINDS = requestKind.values;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export const REQUEST_STATUSES = requestStatus.values;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** A resident's request to their village association, moved along the shared case workflow. */
export interface RequestDoc {
  _id: Types.ObjectId;
  residentId: Types.ObjectId;
  villageCode: string;
  areaPath: string[];
  kind: RequestKind;
  /** What the resident wrote, sealed; removed on erasure. */
  detailEnc?: string;
  status: RequestStatus;
  seq: number;
  /** Who answers it now: the village, or the town once escalated. */
  level: 'village' | 'town';
  /** When the village's answer is due (working days); none once it is with the town or answered. */
  dueAt?: Date;
  escalatedAt?: Date;
  rating?: number;
  reopenCount: number;
  createdAt: Date;
  updatedAt: Date;
  closedAt?: Date;
  personalErasedAt?: Date;
}
const schema = new Schema<RequestDoc>({
  residentId: { type: Schema.Types.ObjectId, required: true },
  villageCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  kind: { type: String, required: true, enum: REQUEST_KINDS },
  detailEnc: String,
  status: { type: String, required: true, enum: REQUEST_STATUSES },
  seq: { type: Number, required: true },
  level: { type: String, required: true, enum: ['village', 'town'] },
  dueAt: Date,
  escalatedAt: Date,
  rating: Number,
  reopenCount: { type: Number, default: 0 },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  closedAt: Date,
  personalErasedAt: Date,
});
schema.index({ residentId: 1, _id: -1 });
schema.index({ areaPath: 1, _id: -1 });
schema.index({ level: 1, dueAt: 1 });
schema.index({ areaPath: 1, createdAt: 1 });
export const Requests = defineModel<RequestDoc>('ResidentRequest', schema);

/** One step; a reply is sealed (it is about the person), a rating is given when the resident closes or reopens. */
export interface RequestTransitionDoc extends TransitionBase<RequestStatus> {
  requestId: Types.ObjectId;
  replyEnc?: string;
  rating?: number;
}
export const RequestTransitions = defineModel<RequestTransitionDoc>(
  'ResidentRequestTransition',
  transitionSchema<RequestTransitionDoc>('requestId', { replyEnc: String, rating: Number }),
);

interface RequestPhotoDoc extends PhotoSlotFields {
  requestId: Types.ObjectId;
}
export const RequestPhotos = defineModel<RequestPhotoDoc>('ResidentRequestPhoto', photoSlotSchema<RequestPhotoDoc>('requestId'));

/** One published version of a village's 村规民约; unique (village, version): of two publishers one gets each number. */
export interface VillageRulesDoc {
  _id: Types.ObjectId;
  villageCode: string;
  areaPath: string[];
  version: number;
  title: string;
  text: string;
  publishedBy: string;
  publishedAt: Date;
}
const rulesSchema = new Schema<VillageRulesDoc>({
  villageCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  version: { type: Number, required: true },
  title: { type: String, required: true },
  text: { type: String, required: true },
  publishedBy: { type: String, required: true },
  publishedAt: { type: Date, required: true },
});
rulesSchema.index({ villageCode: 1, version: -1 }, { unique: true });
export const VillageRules = defineModel<VillageRulesDoc>('VillageRules', rulesSchema);

/** A resident has read a version: `<villageCode>:<version>:<residentId>`, so a read counts once. */
export interface RulesReadDoc {
  _id: string;
  villageCode: string;
  version: number;
  residentId: Types.ObjectId;
  at: Date;
}
const readSchema = new Schema<RulesReadDoc>({
  _id: { type: String, required: true },
  villageCode: { type: String, required: true },
  version: { type: Number, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  at: { type: Date, required: true },
});
readSchema.index({ villageCode: 1, version: 1 });
readSchema.index({ residentId: 1 });
export const RulesReads = defineModel<RulesReadDoc>('VillageRulesRead', readSchema);
