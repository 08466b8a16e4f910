import { Schema, type Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { transitionSchema, type TransitionBase } from '../../lib/case-workflow';
import {
  screeningCaseStatus,
  screeningContactKind,
  screeningLevel,
  screeningLostReason,
  screeningNextStep,
  screeningProgramme,
  screeningTopic,
} from '../../dictionaries';

export const PROGRAMMES = screeningProgramme.values;
export type Programme = (typeof PROGRAMMES)[number];
export const LEVELS = screeningLevel.values;
export type Level = (typeof LEVELS)[number];
export const CASE_STATUSES = screeningCaseStatus.values;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const LOST_REASONS = screeningLostReason.values;
export const CONTACT_KINDS = screeningContactKind.values;
export const TOPICS = screeningTopic.values;
export const NEXT_STEPS = screeningNextStep.values;

/**
 * A resident's own consent to keep the results of one screening session in the system, `_id` =
 * `<talkId>:<residentId>`. `history` is every grant and withdrawal in order.
 */
export interface ConsentDoc {
  _id: string;
  talkId: Types.ObjectId;
  residentId: Types.ObjectId;
  given: boolean;
  history: Array<{ given: boolean; at: Date }>;
  updatedAt: Date;
}
const consentSchema = new Schema<ConsentDoc>({
  _id: { type: String, required: true },
  talkId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  given: { type: Boolean, required: true },
  history: { type: [{ _id: false, given: Boolean, at: Date }], default: [] },
  updatedAt: { type: Date, required: true },
});
consentSchema.index({ talkId: 1 });
consentSchema.index({ residentId: 1 });
export const ScreeningConsents = defineModel<ConsentDoc>('ScreeningConsent', consentSchema);

/** What is sealed in `detailEnc`: the code of each test and the doctor's remark. */
export interface ResultDetail {
  items: Array<{ test: string; code: string }>;
  remark?: string;
}

/**
 * One programme's result of one participant of a session: unique `key` = `<talkId>:<residentId>:<programme>`.
 * The codes are sealed; the level stays readable because it decides the follow-up and the figures.
 */
export interface ResultDoc {
  _id: Types.ObjectId;
  key: string;
  talkId: Types.ObjectId;
  residentId: Types.ObjectId;
  programme: Programme;
  /** The resident's village and area path (scope, figures). */
  villageCode: string;
  areaPath: string[];
  /** The session's area path: its organisers may enter and read the results too. */
  talkAreaPath: string[];
  level: Level;
  detailEnc?: string;
  enteredBy: string;
  enteredAt: Date;
  updatedAt: Date;
  releasedAt?: Date;
  caseId?: Types.ObjectId;
  /** Retention counts from here: the entry (no follow-up) or the day its case ended. */
  closedAt?: Date;
  erasedAt?: Date;
}
const resultSchema = new Schema<ResultDoc>({
  key: { type: String, required: true },
  talkId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  programme: { type: String, required: true, enum: PROGRAMMES },
  villageCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  talkAreaPath: { type: [String], required: true },
  level: { type: String, required: true, enum: LEVELS },
  detailEnc: String,
  enteredBy: { type: String, required: true },
  enteredAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  releasedAt: Date,
  caseId: Schema.Types.ObjectId,
  closedAt: Date,
  erasedAt: Date,
});
resultSchema.index({ key: 1 }, { unique: true });
resultSchema.index({ talkId: 1 });
resultSchema.index({ residentId: 1 });
resultSchema.index({ areaPath: 1, enteredAt: -1 });
resultSchema.index({ closedAt: 1 });
export const ScreeningResults = defineModel<ResultDoc>('ScreeningResult', resultSchema);

/** A follow-up case of an abnormal or needs-review result, on the shared case workflow. */
export interface CaseDoc {
  _id: Types.ObjectId;
  residentId: Types.ObjectId;
  resultId: Types.ObjectId;
  talkId: Types.ObjectId;
  programme: Programme;
  level: Level;
  villageCode: string;
  areaPath: string[];
  /** The resident's village worker (null when the village has none: the town admin sees it on the board). */
  assigneeId?: string;
  status: CaseStatus;
  seq: number;
  /** First contact due, referral due (from the result's entry). */
  contactDue: Date;
  referralDue: Date;
  /** The deadline of the current step (contact, then referral); none once referred or ended. */
  dueAt?: Date;
  contactedAt?: Date;
  referredAt?: Date;
  attendedAt?: Date;
  diagnosedAt?: Date;
  closedAt?: Date;
  hospital?: string;
  lostReason?: (typeof LOST_REASONS)[number];
  /** The resident asked to be called back about her result (cleared by the next contact). */
  callbackAt?: Date;
  /** The resident said she went to the referral. */
  residentWentAt?: Date;
  /** The step (`seq`) whose deadline was escalated to the town admin, so each is escalated once. */
  escalatedSeq?: number;
  createdAt: Date;
  updatedAt: Date;
}
const caseSchema = new Schema<CaseDoc>({
  residentId: { type: Schema.Types.ObjectId, required: true },
  resultId: { type: Schema.Types.ObjectId, required: true },
  talkId: { type: Schema.Types.ObjectId, required: true },
  programme: { type: String, required: true, enum: PROGRAMMES },
  level: { type: String, required: true, enum: LEVELS },
  villageCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  assigneeId: String,
  status: { type: String, required: true, enum: CASE_STATUSES },
  seq: { type: Number, required: true },
  contactDue: { type: Date, required: true },
  referralDue: { type: Date, required: true },
  dueAt: Date,
  contactedAt: Date,
  referredAt: Date,
  attendedAt: Date,
  diagnosedAt: Date,
  closedAt: Date,
  hospital: String,
  lostReason: String,
  callbackAt: Date,
  residentWentAt: Date,
  escalatedSeq: Number,
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
});
caseSchema.index({ resultId: 1 }, { unique: true });
caseSchema.index({ residentId: 1 });
caseSchema.index({ areaPath: 1, _id: -1 });
caseSchema.index({ assigneeId: 1 });
caseSchema.index({ status: 1 });
export const ScreeningCases = defineModel<CaseDoc>('ScreeningCase', caseSchema);

/** One step of a case; its note is sealed (`noteEnc`), never the workflow's plain `note`. */
export interface CaseTransitionDoc extends TransitionBase<CaseStatus> {
  caseId: Types.ObjectId;
  hospital?: string;
  lostReason?: string;
  noteEnc?: string;
}
export const ScreeningCaseTransitions = defineModel<CaseTransitionDoc>(
  'ScreeningCaseTransition',
  transitionSchema<CaseTransitionDoc>('caseId', { hospital: String, lostReason: String, noteEnc: String }),
);

/**
 * A follow-up contact or a counselling / 生育调节指导 visit: who, when, how, topic and next step (chosen from
 * lists) readable; the free-text note sealed and shown only in the audited full view.
 */
export interface ContactDoc {
  _id: Types.ObjectId;
  residentId: Types.ObjectId;
  caseId?: Types.ObjectId;
  villageCode: string;
  areaPath: string[];
  kind: (typeof CONTACT_KINDS)[number];
  topic: (typeof TOPICS)[number];
  nextStep: (typeof NEXT_STEPS)[number];
  on: string;
  at: Date;
  byStaffId: string;
  byName: string;
  noteEnc?: string;
  createdAt: Date;
}
const contactSchema = new Schema<ContactDoc>({
  residentId: { type: Schema.Types.ObjectId, required: true },
  caseId: Schema.Types.ObjectId,
  villageCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  kind: { type: String, required: true, enum: CONTACT_KINDS },
  topic: { type: String, required: true, enum: TOPICS },
  nextStep: { type: String, required: true, enum: NEXT_STEPS },
  on: { type: String, required: true },
  at: { type: Date, required: true },
  byStaffId: { type: String, required: true },
  byName: { type: String, required: true },
  noteEnc: String,
  createdAt: { type: Date, required: true },
});
contactSchema.index({ caseId: 1, at: -1 });
contactSchema.index({ residentId: 1 });
contactSchema.index({ areaPath: 1, _id: -1 });
export const ScreeningContacts = defineModel<ContactDoc>('ScreeningContact', contactSchema);

/** Result codes and advice of one programme (`_id` = programme), seeded with defaults, edited by the district. */
export interface CodeBookDoc {
  _id: Programme;
  tests: Array<{ test: string; label: string; codes: Array<{ code: string; label: string; level: Level; advice: string }> }>;
  updatedAt: Date;
  updatedBy?: string;
}
const codeBookSchema = new Schema<CodeBookDoc>({
  _id: { type: String, required: true },
  tests: { type: Schema.Types.Mixed, required: true },
  updatedAt: { type: Date, required: true },
  updatedBy: String,
});
export const ScreeningCodeBooks = defineModel<CodeBookDoc>('ScreeningCodeBook', codeBookSchema);

/** Address and phone of a referral hospital (an institution of the expert pool), shown to the resident. */
export interface HospitalDoc {
  _id: string;
  address: string;
  phone: string;
  updatedAt: Date;
}
export const ScreeningHospitals = defineModel<HospitalDoc>(
  'ScreeningHospital',
  new Schema<HospitalDoc>({
    _id: { type: String, required: true },
    address: { type: String, default: '' },
    phone: { type: String, default: '' },
    updatedAt: Date,
  }),
);
