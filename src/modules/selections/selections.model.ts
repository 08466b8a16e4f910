import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { photoSlotSchema, type PhotoSlotFields } from '../../lib/photo-slots';
import { nominationStatus, selectionKind, selectionStatus } from '../../dictionaries';

export const SELECTION_KINDS = selectionKind.values;
export type SelectionKind = (typeof SELECTION_KINDS)[number];
export const KIND_LABELS = selectionKind.labels;
export const ROUND_STATUSES = selectionStatus.values;
export type RoundStatus = (typeof ROUND_STATUSES)[number];

/** A selection round (评选活动): nominations, town review, public voting, results. */
export interface SelectionDoc {
  _id: Types.ObjectId;
  kind: SelectionKind;
  title: string;
  rules: string;
  areaCode: string;
  areaPath: string[];
  nominateFrom: Date;
  nominateTo: Date;
  voteFrom: Date;
  voteTo: Date;
  winners: number;
  /** Most votes one resident may cast per Shanghai day in this round (one per candidate). */
  votesPerDay: number;
  /** Residents may nominate too (their nominations wait for review like any other). */
  residentNominations: boolean;
  status: RoundStatus;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  /** Outbox keys of the group posts (voting opened, results published), once queued. */
  publicity?: { votingCampaignId?: string; resultsCampaignId?: string };
  /** Winner nomination ids in rank order, fixed when results are published. */
  result?: Array<{ nominationId: string; votes: number; flagged: number }>;
}

const schema = new Schema<SelectionDoc>(
  {
    kind: { type: String, required: true, enum: SELECTION_KINDS },
    title: { type: String, required: true },
    rules: { type: String, default: '' },
    areaCode: { type: String, required: true },
    areaPath: { type: [String], required: true },
    nominateFrom: { type: Date, required: true },
    nominateTo: { type: Date, required: true },
    voteFrom: { type: Date, required: true },
    voteTo: { type: Date, required: true },
    winners: { type: Number, required: true },
    votesPerDay: { type: Number, required: true },
    residentNominations: { type: Boolean, default: false },
    status: { type: String, required: true, enum: ROUND_STATUSES },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    publicity: { type: Schema.Types.Mixed, default: {} },
    result: { type: Schema.Types.Mixed },
  },
  { minimize: false },
);
schema.index({ areaPath: 1, _id: -1 });
schema.index({ status: 1 });
export const Selections = defineModel<SelectionDoc>('Selection', schema);

export const NOMINATION_STATUSES = nominationStatus.values;
type NominationStatus = (typeof NOMINATION_STATUSES)[number];

/** What is sealed in `personalEnc`: who is nominated and how to reach them. */
export interface NomineePersonal {
  name: string;
  phone?: string;
}

/** A nomination; once approved (with the nominee's consent) it is a public candidate. */
export interface NominationDoc {
  _id: Types.ObjectId;
  selectionId: Types.ObjectId;
  subject: 'family' | 'person';
  villageCode: string;
  villageName: string;
  areaPath: string[];
  personalEnc: string;
  story: string;
  consent?: { method: 'signed_form' | 'in_person' | 'self'; recordedBy: string; at: Date };
  nominatedBy: { type: 'staff' | 'resident'; id: string };
  status: NominationStatus;
  rejectReason?: string;
  mergedInto?: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const nominationSchema = new Schema<NominationDoc>({
  selectionId: { type: Schema.Types.ObjectId, required: true },
  subject: { type: String, required: true, enum: ['family', 'person'] },
  villageCode: { type: String, required: true },
  villageName: { type: String, required: true },
  areaPath: { type: [String], required: true },
  personalEnc: { type: String, required: true },
  story: { type: String, required: true },
  consent: { type: Schema.Types.Mixed },
  nominatedBy: { type: Schema.Types.Mixed, required: true },
  status: { type: String, required: true, enum: NOMINATION_STATUSES },
  rejectReason: String,
  mergedInto: Schema.Types.ObjectId,
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
});
nominationSchema.index({ selectionId: 1, status: 1 });
nominationSchema.index({ areaPath: 1, _id: -1 });
export const Nominations = defineModel<NominationDoc>('SelectionNomination', nominationSchema);

/** A nomination photo in a numbered slot: unique (nominationId, slot) caps them at three under races. */
interface NominationPhotoDoc extends PhotoSlotFields {
  nominationId: Types.ObjectId;
}
export const NominationPhotos = defineModel<NominationPhotoDoc>('SelectionNominationPhoto', photoSlotSchema<NominationPhotoDoc>('nominationId'));

/**
 * One vote, decided by one insert under two unique keys: `_id` = `<round>:<resident>:<day>:<n>` is the resident's
 * n-th vote slot of that Shanghai day (n ≤ votesPerDay), and `dayKey` = `<round>:<resident>:<day>:<candidate>`
 * allows one vote per candidate per day. No counter is read or written.
 */
export interface VoteDoc {
  _id: string;
  dayKey: string;
  selectionId: Types.ObjectId;
  nominationId: Types.ObjectId;
  residentId: Types.ObjectId;
  day: string;
  at: Date;
  /** Why staff should look at it (`new_account`, `burst`); flagged votes are shown apart from the count. */
  flags: string[];
  flagged: boolean;
}
const voteSchema = new Schema<VoteDoc>({
  _id: { type: String, required: true },
  dayKey: { type: String, required: true },
  selectionId: { type: Schema.Types.ObjectId, required: true },
  nominationId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  day: { type: String, required: true },
  at: { type: Date, required: true },
  flags: { type: [String], default: [] },
  flagged: { type: Boolean, required: true },
});
voteSchema.index({ dayKey: 1 }, { unique: true });
voteSchema.index({ selectionId: 1, nominationId: 1 });
voteSchema.index({ selectionId: 1, flagged: 1 });
voteSchema.index({ residentId: 1 });
export const Votes = defineModel<VoteDoc>('SelectionVote', voteSchema);

/** A round's step to a status, recorded once: `_id` = `<round>:<status>`. */
interface SelectionStepDoc {
  _id: string;
  selectionId: Types.ObjectId;
  to: RoundStatus;
  by: string;
  at: Date;
}
const stepSchema = new Schema<SelectionStepDoc>({
  _id: { type: String, required: true },
  selectionId: { type: Schema.Types.ObjectId, required: true },
  to: { type: String, required: true },
  by: { type: String, required: true },
  at: { type: Date, required: true },
});
export const SelectionSteps = defineModel<SelectionStepDoc>('SelectionStep', stepSchema);
