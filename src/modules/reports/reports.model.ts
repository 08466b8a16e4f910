import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { caseStatus } from '../../dictionaries';

/**
 * The first generation of an area's yearly report: `_id` = `<year>:<areaCode>`, inserted once (a duplicate
 * key means it was generated before). The December reminders look for it.
 */
interface ReportRunDoc {
  _id: string;
  year: number;
  areaCode: string;
  staffId: string;
  format: string;
  at: Date;
}
const runSchema = new Schema<ReportRunDoc>({
  _id: { type: String, required: true },
  year: { type: Number, required: true },
  areaCode: { type: String, required: true },
  staffId: { type: String, required: true },
  format: { type: String, required: true },
  at: { type: Date, required: true },
});
export const ReportRuns = defineModel<ReportRunDoc>('ReportRun', runSchema);

/** One reminder per town admin, year and reminder day: `_id` = `<year>:<MM-DD>:<staffId>`; inserting it is sending it. */
interface ReportReminderDoc {
  _id: string;
  staffId: string;
  areaCode: string;
  year: number;
  day: string;
  viaBot: boolean;
  at: Date;
}
const reminderSchema = new Schema<ReportReminderDoc>({
  _id: { type: String, required: true },
  staffId: { type: String, required: true },
  areaCode: { type: String, required: true },
  year: { type: Number, required: true },
  day: { type: String, required: true },
  viaBot: { type: Boolean, required: true },
  at: { type: Date, required: true },
});
reminderSchema.index({ staffId: 1, year: 1 });
export const ReportReminders = defineModel<ReportReminderDoc>('ReportReminder', reminderSchema);

export const CASE_STATUSES = caseStatus.values;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** A 典型 (good example) written by town or village staff; approved by the town, it goes into the report. */
export interface TypicalCaseDoc {
  _id: Types.ObjectId;
  title: string;
  text: string;
  areaCode: string;
  areaPath: string[];
  talkId?: Types.ObjectId;
  /** The family it is about: the resident who stands for the household. */
  familyResidentId?: Types.ObjectId;
  /** Sealed photo (blob-crypto, base64 of the sealed bytes), served only to staff in scope. */
  photo?: { keyId: string; sealed: string; contentType: string; bytes: number };
  /** Lists read cases without the photo itself. */
  hasPhoto: boolean;
  status: CaseStatus;
  createdBy: string;
  createdByName: string;
  createdAt: Date;
  reviewedBy?: string;
  reviewedByName?: string;
  reviewedAt?: Date;
  reviewNote?: string;
  /** Broadcasts made of it (campaign ids), each under the campaign approval rules. */
  broadcastIds: string[];
}
const caseSchema = new Schema<TypicalCaseDoc>({
  title: { type: String, required: true },
  text: { type: String, required: true },
  areaCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  talkId: Schema.Types.ObjectId,
  familyResidentId: Schema.Types.ObjectId,
  photo: { type: { _id: false, keyId: String, sealed: String, contentType: String, bytes: Number }, default: undefined },
  hasPhoto: { type: Boolean, required: true },
  status: { type: String, required: true, enum: CASE_STATUSES },
  createdBy: { type: String, required: true },
  createdByName: { type: String, required: true },
  createdAt: { type: Date, required: true },
  reviewedBy: String,
  reviewedByName: String,
  reviewedAt: Date,
  reviewNote: String,
  broadcastIds: { type: [String], default: [] },
});
caseSchema.index({ areaPath: 1, createdAt: -1 });
export const TypicalCases = defineModel<TypicalCaseDoc>('TypicalCase', caseSchema);

/**
 * A town's report as it was submitted (报送): `_id` = `<year>:<areaCode>:<round>`, round = how many times it was
 * returned before. The insert decides who submitted (of two at once, one wins); the report is kept as submitted,
 * so its figures and files do not move afterwards.
 */
export interface ReportSubmissionDoc {
  _id: string;
  year: number;
  areaCode: string;
  round: number;
  staffId: string;
  staffName: string;
  at: Date;
  /** The report as JSON, frozen. */
  report: string;
}
const submissionSchema = new Schema<ReportSubmissionDoc>({
  _id: { type: String, required: true },
  year: { type: Number, required: true },
  areaCode: { type: String, required: true },
  round: { type: Number, required: true },
  staffId: { type: String, required: true },
  staffName: { type: String, required: true },
  at: { type: Date, required: true },
  report: { type: String, required: true },
});
submissionSchema.index({ year: 1, areaCode: 1 });
export const ReportSubmissions = defineModel<ReportSubmissionDoc>('ReportSubmission', submissionSchema);

/** The district sends a submission back with a reason: `_id` = the submission's, so it is returned once. */
export interface ReportReturnDoc {
  _id: string;
  year: number;
  areaCode: string;
  round: number;
  reason: string;
  staffId: string;
  staffName: string;
  at: Date;
}
const returnSchema = new Schema<ReportReturnDoc>({
  _id: { type: String, required: true },
  year: { type: Number, required: true },
  areaCode: { type: String, required: true },
  round: { type: Number, required: true },
  reason: { type: String, required: true },
  staffId: { type: String, required: true },
  staffName: { type: String, required: true },
  at: { type: Date, required: true },
});
returnSchema.index({ year: 1, areaCode: 1 });
export const ReportReturns = defineModel<ReportReturnDoc>('ReportReturn', returnSchema);
