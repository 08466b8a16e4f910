import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { photoSlotSchema, type PhotoSlotFields } from '../../lib/photo-slots';
import { consultStatus, consultTopic } from '../../dictionaries';

export const TOPICS = consultTopic.values;
export type Topic = (typeof TOPICS)[number];
export const TOPIC_LABELS = consultTopic.labels;
export const QUESTION_STATUSES = consultStatus.values;
export type QuestionStatus = (typeof QUESTION_STATUSES)[number];
export const STATUS_LABELS = consultStatus.labels;
export const MAX_QUESTION_PHOTOS = 3;

/** A staff account of role `expert`: the pool entry it speaks for, its topics, its place in each topic's order. */
export interface ConsultExpertDoc {
  _id: Types.ObjectId;
  staffId: string;
  expertId: Types.ObjectId;
  /** The pool entry's name, title and hospital, shown to residents beside an answer (experts are public figures). */
  name: string;
  title: string;
  hospital: string;
  topics: Topic[];
  /** Order among the experts of a topic: an overdue question goes to the next one. */
  rank: number;
  active: boolean;
  updatedAt: Date;
}
const expertSchema = new Schema<ConsultExpertDoc>({
  staffId: { type: String, required: true },
  expertId: { type: Schema.Types.ObjectId, required: true },
  name: { type: String, required: true },
  title: { type: String, default: '' },
  hospital: { type: String, default: '' },
  topics: { type: [String], enum: TOPICS, default: [] },
  rank: { type: Number, default: 100 },
  active: { type: Boolean, default: true },
  updatedAt: { type: Date, required: true },
});
expertSchema.index({ staffId: 1 }, { unique: true });
expertSchema.index({ topics: 1, active: 1 });
export const ConsultExperts = defineModel<ConsultExpertDoc>('ConsultExpert', expertSchema);

/** What a resident leaves for a call back, sealed: only then does the expert see a name and a phone. */
export interface CallBack {
  name: string;
  phone: string;
}

export interface QuestionDoc {
  _id: Types.ObjectId;
  residentId: Types.ObjectId;
  topic: Topic;
  /** The resident's village path (the district alone when none is chosen): figures per area. */
  areaPath: string[];
  /** The question, sealed; removed on erasure. */
  textEnc?: string;
  callBackEnc?: string;
  callBack: boolean;
  photoCount: number;
  status: QuestionStatus;
  /** The text check answered `review` (or could not run): a district admin releases or refuses it. */
  textHeld?: boolean;
  /** The expert it is with (`staffId`), and how many times it was routed (first routing = 1). */
  expertStaffId?: string;
  hops: number;
  routedAt?: Date;
  dueAt?: Date;
  overdueCount: number;
  answeredAt?: Date;
  /** Hours from asking to the first answer (figures sum them). */
  answerHours?: number;
  onTime?: boolean;
  followUpEnc?: string;
  followUpAt?: Date;
  rating?: number;
  ratedAt?: Date;
  /** The resident agreed that the answer, names removed, may be published to 常见问题. */
  allowPublish?: boolean;
  faqId?: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
  personalErasedAt?: Date;
}
const questionSchema = new Schema<QuestionDoc>({
  residentId: { type: Schema.Types.ObjectId, required: true },
  topic: { type: String, required: true, enum: TOPICS },
  areaPath: { type: [String], required: true },
  textEnc: String,
  callBackEnc: String,
  callBack: { type: Boolean, default: false },
  photoCount: { type: Number, default: 0 },
  status: { type: String, required: true, enum: QUESTION_STATUSES },
  textHeld: Boolean,
  expertStaffId: String,
  hops: { type: Number, default: 0 },
  routedAt: Date,
  dueAt: Date,
  overdueCount: { type: Number, default: 0 },
  answeredAt: Date,
  answerHours: Number,
  onTime: Boolean,
  followUpEnc: String,
  followUpAt: Date,
  rating: Number,
  ratedAt: Date,
  allowPublish: Boolean,
  faqId: Schema.Types.ObjectId,
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  personalErasedAt: Date,
});
questionSchema.index({ residentId: 1, _id: -1 });
questionSchema.index({ topic: 1, status: 1, _id: -1 });
questionSchema.index({ expertStaffId: 1, status: 1 });
questionSchema.index({ status: 1, dueAt: 1 });
questionSchema.index({ areaPath: 1, createdAt: 1 });
export const Questions = defineModel<QuestionDoc>('ConsultQuestion', questionSchema);

/**
 * One routing of a question to an expert (`<questionId>:<hop>`) or one answer (`<questionId>:answer:<n>`, 1 the
 * answer, 2 the answer to the follow-up): the insert of the key decides between two processes or two experts.
 */
export interface QuestionStepDoc {
  _id: string;
  questionId: Types.ObjectId;
  kind: 'routed' | 'answer';
  expertStaffId?: string;
  /** Why it was routed: first routing, overdue, handed over by someone. */
  reason?: 'new' | 'overdue' | 'handover';
  byName?: string;
  textEnc?: string;
  at: Date;
}
const stepSchema = new Schema<QuestionStepDoc>({
  _id: { type: String, required: true },
  questionId: { type: Schema.Types.ObjectId, required: true },
  kind: { type: String, required: true },
  expertStaffId: String,
  reason: String,
  byName: String,
  textEnc: String,
  at: { type: Date, required: true },
});
stepSchema.index({ questionId: 1, at: 1 });
export const QuestionSteps = defineModel<QuestionStepDoc>('ConsultQuestionStep', stepSchema);

/** A photo of a question; `check` is WeChat's image check, `mediaToken` the one-time address it fetches it at. */
export interface QuestionPhotoDoc extends PhotoSlotFields {
  questionId: Types.ObjectId;
  check: 'pending' | 'pass' | 'refused';
  traceId?: string;
  mediaToken?: string;
}
const photoSchema = photoSlotSchema<QuestionPhotoDoc>('questionId');
photoSchema.add({ check: { type: String, required: true }, traceId: String, mediaToken: String });
photoSchema.index({ traceId: 1 });
photoSchema.index({ mediaToken: 1 });
photoSchema.index({ check: 1, createdAt: 1 });
export const QuestionPhotos = defineModel<QuestionPhotoDoc>('ConsultQuestionPhoto', photoSchema);

/** A published question and answer, names removed: public, searchable by topic and words. */
export interface FaqDoc {
  _id: Types.ObjectId;
  questionId: Types.ObjectId;
  topic: Topic;
  question: string;
  answer: string;
  expertName: string;
  publishedBy: string;
  publishedAt: Date;
}
const faqSchema = new Schema<FaqDoc>({
  questionId: { type: Schema.Types.ObjectId, required: true },
  topic: { type: String, required: true, enum: TOPICS },
  question: { type: String, required: true },
  answer: { type: String, required: true },
  expertName: { type: String, default: '' },
  publishedBy: { type: String, required: true },
  publishedAt: { type: Date, required: true },
});
faqSchema.index({ questionId: 1 }, { unique: true });
faqSchema.index({ topic: 1, _id: -1 });
export const Faqs = defineModel<FaqDoc>('ConsultFaq', faqSchema);
