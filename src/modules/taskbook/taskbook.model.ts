import { Schema, type Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { transitionSchema, type TransitionBase } from '../../lib/case-workflow';
import { photoSlotSchema, type PhotoSlotFields } from '../../lib/photo-slots';
import { evidenceStatus, rectificationStatus, taskbookStatus, taskGroup, taskKind, townPlanStatus } from '../../dictionaries';

export const TASK_GROUPS = taskGroup.values;
export const TASK_KINDS = taskKind.values;
export const PLAN_STATUSES = townPlanStatus.values;
export const EVIDENCE_STATUSES = evidenceStatus.values;
export const RECTIFICATION_STATUSES = rectificationStatus.values;
export type RectificationStatus = (typeof RECTIFICATION_STATUSES)[number];

/** The district's task book of one year (one per year: unique `year`). */
export interface TaskBookDoc {
  _id: Types.ObjectId;
  year: number;
  title: string;
  status: (typeof taskbookStatus.values)[number];
  /** A town is behind when its figure lags the pace to its target by more than this share of the target. */
  margin: number;
  createdBy: string;
  createdAt: Date;
  publishedAt?: Date;
  publishedBy?: string;
}
const bookSchema = new Schema<TaskBookDoc>({
  year: { type: Number, required: true },
  title: { type: String, required: true },
  status: { type: String, required: true, enum: taskbookStatus.values },
  margin: { type: Number, required: true },
  createdBy: { type: String, required: true },
  createdAt: { type: Date, required: true },
  publishedAt: Date,
  publishedBy: String,
});
bookSchema.index({ year: 1 }, { unique: true });
export const TaskBooks = defineModel<TaskBookDoc>('TaskBook', bookSchema);

/**
 * A task of the book: a figure task names a field of the report's area rows (`metric`, e.g. `talks.held`) and the
 * value each town must reach; an evidence task is handed in by the town and accepted by the district.
 */
export interface TaskDoc {
  _id: Types.ObjectId;
  bookId: Types.ObjectId;
  year: number;
  group: (typeof TASK_GROUPS)[number];
  title: string;
  kind: (typeof TASK_KINDS)[number];
  metric?: string;
  target?: number;
  /** A different target for some towns. */
  townTargets: Array<{ townCode: string; target: number }>;
  /** The towns the task is for; empty: every town of the district. */
  towns: string[];
  startOn: string;
  dueOn: string;
  /** A task made from a coordination meeting's decision. */
  source?: { meetingId: Types.ObjectId; decision: number };
  /** Unique: the task's own id, or `meetingId:decision` for a decision's task, so a decision becomes one task. */
  key: string;
  createdBy: string;
  createdAt: Date;
}
const taskSchema = new Schema<TaskDoc>({
  bookId: { type: Schema.Types.ObjectId, required: true },
  year: { type: Number, required: true },
  group: { type: String, required: true, enum: TASK_GROUPS },
  title: { type: String, required: true },
  kind: { type: String, required: true, enum: TASK_KINDS },
  metric: String,
  target: Number,
  townTargets: { type: [{ _id: false, townCode: String, target: Number }], default: [] },
  towns: { type: [String], default: [] },
  startOn: { type: String, required: true },
  dueOn: { type: String, required: true },
  source: { type: { _id: false, meetingId: Schema.Types.ObjectId, decision: Number }, default: undefined },
  key: { type: String, required: true },
  createdBy: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
taskSchema.index({ bookId: 1, dueOn: 1 });
// One task per meeting decision, whoever turns it into one first.
taskSchema.index({ key: 1 }, { unique: true });
taskSchema.index({ 'source.meetingId': 1 });
export const Tasks = defineModel<TaskDoc>('TaskbookTask', taskSchema);

/** A town's answer to the book: dates per task on its timeline, and the villages that carry each. */
export interface TownPlanDoc {
  _id: Types.ObjectId;
  bookId: Types.ObjectId;
  townCode: string;
  areaPath: string[];
  status: (typeof PLAN_STATUSES)[number];
  items: Array<{ taskId: Types.ObjectId; startOn: string; endOn: string; villages: string[] }>;
  note: string;
  decisionNote?: string;
  submittedAt?: Date;
  decidedAt?: Date;
  decidedBy?: string;
  updatedAt: Date;
}
const planSchema = new Schema<TownPlanDoc>({
  bookId: { type: Schema.Types.ObjectId, required: true },
  townCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  status: { type: String, required: true, enum: PLAN_STATUSES },
  items: { type: [{ _id: false, taskId: Schema.Types.ObjectId, startOn: String, endOn: String, villages: [String] }], default: [] },
  note: { type: String, default: '' },
  decisionNote: String,
  submittedAt: Date,
  decidedAt: Date,
  decidedBy: String,
  updatedAt: { type: Date, required: true },
});
planSchema.index({ bookId: 1, townCode: 1 }, { unique: true });
export const TownPlans = defineModel<TownPlanDoc>('TaskbookTownPlan', planSchema);

/** What a town hands in for an evidence task: one per (task, town), handed in again after a return. */
export interface EvidenceDoc {
  _id: Types.ObjectId;
  taskId: Types.ObjectId;
  townCode: string;
  areaPath: string[];
  status: (typeof EVIDENCE_STATUSES)[number];
  note: string;
  decisionNote?: string;
  submittedAt: Date;
  submittedBy: string;
  decidedAt?: Date;
  decidedBy?: string;
}
const evidenceSchema = new Schema<EvidenceDoc>({
  taskId: { type: Schema.Types.ObjectId, required: true },
  townCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  status: { type: String, required: true, enum: EVIDENCE_STATUSES },
  note: { type: String, default: '' },
  decisionNote: String,
  submittedAt: { type: Date, required: true },
  submittedBy: { type: String, required: true },
  decidedAt: Date,
  decidedBy: String,
});
evidenceSchema.index({ taskId: 1, townCode: 1 }, { unique: true });
evidenceSchema.index({ areaPath: 1 });
export const Evidence = defineModel<EvidenceDoc>('TaskbookEvidence', evidenceSchema);

/** A supervision visit (督导) to a town or village: who went, what they checked, what they found. */
export interface VisitDoc {
  _id: Types.ObjectId;
  areaCode: string;
  areaPath: string[];
  on: string;
  inspectors: string;
  checked: string;
  findings: string;
  createdBy: string;
  createdAt: Date;
}
const visitSchema = new Schema<VisitDoc>({
  areaCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  on: { type: String, required: true },
  inspectors: { type: String, required: true },
  checked: { type: String, required: true },
  findings: { type: String, required: true },
  createdBy: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
visitSchema.index({ areaPath: 1, on: -1 });
export const SupervisionVisits = defineModel<VisitDoc>('SupervisionVisit', visitSchema);

/** A rectification item from a visit's finding: the owner area answers, the district closes or returns it. */
export interface RectificationDoc {
  _id: Types.ObjectId;
  visitId: Types.ObjectId;
  ownerCode: string;
  areaPath: string[];
  title: string;
  dueOn: string;
  status: RectificationStatus;
  seq: number;
  answer?: string;
  escalatedAt?: Date;
  closedAt?: Date;
  /** Closed by the end of its deadline day. */
  closedOnTime?: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}
const rectificationSchema = new Schema<RectificationDoc>({
  visitId: { type: Schema.Types.ObjectId, required: true },
  ownerCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  title: { type: String, required: true },
  dueOn: { type: String, required: true },
  status: { type: String, required: true, enum: RECTIFICATION_STATUSES },
  seq: { type: Number, required: true },
  answer: String,
  escalatedAt: Date,
  closedAt: Date,
  closedOnTime: Boolean,
  createdBy: { type: String, required: true },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
});
rectificationSchema.index({ areaPath: 1, _id: -1 });
rectificationSchema.index({ visitId: 1 });
rectificationSchema.index({ status: 1, dueOn: 1 });
export const Rectifications = defineModel<RectificationDoc>('SupervisionRectification', rectificationSchema);

export interface RectificationTransitionDoc extends TransitionBase<RectificationStatus> {
  rectificationId: Types.ObjectId;
  answer?: string;
}
export const RectificationTransitions = defineModel<RectificationTransitionDoc>(
  'SupervisionRectificationTransition',
  transitionSchema<RectificationTransitionDoc>('rectificationId', { answer: String }),
);

/** A coordination meeting (会商) of the departments: its decisions may each become a task. */
export interface MeetingDoc {
  _id: Types.ObjectId;
  on: string;
  title: string;
  attendees: string[];
  minutes: string;
  decisions: string[];
  createdBy: string;
  createdAt: Date;
}
const meetingSchema = new Schema<MeetingDoc>({
  on: { type: String, required: true },
  title: { type: String, required: true },
  attendees: { type: [String], default: [] },
  minutes: { type: String, default: '' },
  decisions: { type: [String], default: [] },
  createdBy: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
meetingSchema.index({ on: -1 });
export const Meetings = defineModel<MeetingDoc>('TaskbookMeeting', meetingSchema);

/** Photos of a visit, of evidence or of a rectification's answer, sealed in the `taskbookPhotos` bucket. */
interface TaskbookPhotoDoc extends PhotoSlotFields {
  ownerId: Types.ObjectId;
}
export const TaskbookPhotos = defineModel<TaskbookPhotoDoc>('TaskbookPhoto', photoSlotSchema<TaskbookPhotoDoc>('ownerId'));
