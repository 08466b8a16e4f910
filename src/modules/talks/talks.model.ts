import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import { talkKind, talkStatus } from '../../dictionaries';

export const TALK_KINDS = talkKind.values;
export type TalkKind = (typeof TALK_KINDS)[number];
export const TALK_STATUSES = talkStatus.values;
export type TalkStatus = (typeof TALK_STATUSES)[number];

/** Expert pool (区医院, 区中医院, 区妇保院, 莲池医院…). Experts are public figures: names are stored plainly. */
export interface ExpertDoc {
  _id: Types.ObjectId;
  name: string;
  hospital: string;
  title: string;
  specialties: string[];
  active: boolean;
  createdAt: Date;
}
const expertSchema = new Schema<ExpertDoc>({
  name: { type: String, required: true },
  hospital: { type: String, required: true },
  title: { type: String, default: '' },
  specialties: { type: [String], default: [] },
  active: { type: Boolean, default: true },
  createdAt: { type: Date, required: true },
});
expertSchema.index({ active: 1, name: 1 });
export const Experts = defineModel<ExpertDoc>('Expert', expertSchema);

interface Eligibility {
  sex?: 'male' | 'female';
  minAge?: number;
  maxAge?: number;
}

export interface TalkDoc {
  _id: Types.ObjectId;
  kind: TalkKind;
  title: string;
  description: string;
  expertIds: Types.ObjectId[];
  venue: string;
  areaCode: string;
  /** Area of the venue from the district down; staff scope and the area filter use it. */
  areaPath: string[];
  /** Only residents living under `areaCode` may sign up. */
  localOnly: boolean;
  startAt: Date;
  endAt: Date;
  capacity: number;
  /** Seats one registration may take: the resident plus companions. */
  maxSeatsPerRegistration: number;
  signupOpensAt: Date;
  signupClosesAt: Date;
  /** Residents may cancel their own registration until this time. */
  cancelCutoffAt: Date;
  eligibility: Eligibility;
  waitlistEnabled: boolean;
  /** Most registrations the waitlist holds (0 = no limit). */
  waitlistCap: number;
  status: TalkStatus;
  /** Carried by the check-in code: `t=<id>.<secret>` (32 chars, WeChat's scene limit). */
  checkinScene: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  cancelReason?: string;
}
const talkSchema = new Schema<TalkDoc>(
  {
    kind: { type: String, required: true, enum: TALK_KINDS },
    title: { type: String, required: true },
    description: { type: String, default: '' },
    expertIds: { type: [Schema.Types.ObjectId], default: [] },
    venue: { type: String, required: true },
    areaCode: { type: String, required: true },
    areaPath: { type: [String], required: true },
    localOnly: { type: Boolean, default: false },
    startAt: { type: Date, required: true },
    endAt: { type: Date, required: true },
    capacity: { type: Number, required: true },
    maxSeatsPerRegistration: { type: Number, required: true },
    signupOpensAt: { type: Date, required: true },
    signupClosesAt: { type: Date, required: true },
    cancelCutoffAt: { type: Date, required: true },
    eligibility: { type: Schema.Types.Mixed, default: {} },
    waitlistEnabled: { type: Boolean, required: true },
    waitlistCap: { type: Number, required: true },
    status: { type: String, required: true, enum: TALK_STATUSES },
    checkinScene: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    cancelReason: String,
  },
  { minimize: false },
);
talkSchema.index({ status: 1, startAt: 1 });
talkSchema.index({ areaPath: 1, startAt: -1 });
talkSchema.index({ checkinScene: 1 });
export const Talks = defineModel<TalkDoc>('Talk', talkSchema);

/**
 * `pending` — just arrived, not yet looked at by the seat filler; `confirmed` — holds its seat slots;
 * `waitlisted` — queued in arrival order (`_id`); `rejected` — full and no waitlist room (its key is freed);
 * `cancelled` — by the resident, by staff, or with the session.
 */
type RegistrationStatus = 'pending' | 'confirmed' | 'waitlisted' | 'rejected' | 'cancelled';

/** A sign-up. Its status and queue number are written only under the talk's lock. */
export interface RegistrationDoc {
  _id: Types.ObjectId;
  talkId: Types.ObjectId;
  residentId: Types.ObjectId;
  /** The resident's area path, for staff scope and per-area attendance figures. */
  areaPath: string[];
  seats: number;
  status: RegistrationStatus;
  /**
   * Queue number, given by the seat filler (under the talk's lock) when it first looks at the arrival:
   * the order in which sign-ups were recorded. The waitlist is served in this order. 0 while pending.
   */
  seq: number;
  /**
   * Waitlist ticket: numbered in queue order by the walk that waitlists the registration (see `WaitlistHeadDoc`).
   * Absent on registrations waitlisted before tickets existed, until their talk's queue is next recounted.
   */
  ticket?: number;
  createdAt: Date;
  confirmedAt?: Date;
  promotedAt?: Date;
  cancelledAt?: Date;
  cancelledBy?: 'resident' | 'staff' | 'session';
  rejectReason?: string;
}
const registrationSchema = new Schema<RegistrationDoc>({
  talkId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  areaPath: { type: [String], default: [] },
  seats: { type: Number, required: true },
  status: { type: String, required: true },
  seq: { type: Number, required: true },
  ticket: Number,
  createdAt: { type: Date, required: true },
  confirmedAt: Date,
  promotedAt: Date,
  cancelledAt: Date,
  cancelledBy: String,
  rejectReason: String,
});
registrationSchema.index({ talkId: 1, status: 1, _id: 1 });
registrationSchema.index({ talkId: 1, status: 1, seq: 1 });
registrationSchema.index({ talkId: 1, seq: -1 });
registrationSchema.index({ residentId: 1, _id: -1 });
registrationSchema.index({ areaPath: 1, status: 1 });
export const Registrations = defineModel<RegistrationDoc>('TalkRegistration', registrationSchema);

/**
 * One live registration per resident per session: `_id` = `<talkId>:<residentId>`; deleted on cancel/reject.
 * `idempotencyKey` is the sign-up's Idempotency-Key: a retry with it is answered from the registration.
 */
export interface RegistrationKeyDoc {
  _id: string;
  registrationId: Types.ObjectId;
  idempotencyKey?: string;
  createdAt: Date;
}
const keySchema = new Schema<RegistrationKeyDoc>({
  _id: { type: String, required: true },
  registrationId: { type: Schema.Types.ObjectId, required: true },
  idempotencyKey: String,
  createdAt: { type: Date, required: true },
});
export const RegistrationKeys = defineModel<RegistrationKeyDoc>('TalkRegistrationKey', keySchema);

/**
 * A taken seat. Unique (talkId, seatNo) means one seat holds one registration whatever the server's update
 * isolation; unique (registrationId, part) means a registration never takes more seats than it asked for.
 */
export interface SeatDoc {
  _id: Types.ObjectId;
  talkId: Types.ObjectId;
  seatNo: number;
  registrationId: Types.ObjectId;
  part: number;
  takenAt: Date;
}
const seatSchema = new Schema<SeatDoc>({
  talkId: { type: Schema.Types.ObjectId, required: true },
  seatNo: { type: Number, required: true },
  registrationId: { type: Schema.Types.ObjectId, required: true },
  part: { type: Number, required: true },
  takenAt: { type: Date, required: true },
});
seatSchema.index({ talkId: 1, seatNo: 1 }, { unique: true });
seatSchema.index({ registrationId: 1, part: 1 }, { unique: true });
export const Seats = defineModel<SeatDoc>('TalkSeat', seatSchema);

/** Per-talk mutex for the seat filler: inserted under `_id` = talkId, deleted on release, stolen after `until`. */
interface TalkLockDoc {
  _id: string;
  holder: string;
  until: Date;
}
const lockSchema = new Schema<TalkLockDoc>({
  _id: { type: String, required: true },
  holder: { type: String, required: true },
  until: { type: Date, required: true },
});
export const TalkLocks = defineModel<TalkLockDoc>('TalkLock', lockSchema);

/**
 * Queue bookkeeping of a talk, written only by the lock holder: the last queue number, the waitlist in queue
 * order (the walk promotes from it; places are read from `WaitlistHeadDoc`) and, when known, the taken seat
 * numbers (absent = count them from the seat slots).
 */
interface TalkQueueDoc {
  _id: string;
  seq: number;
  waitlist: string[];
  taken?: number[];
  /** The session took sign-ups when the lease holder last wrote this (the fast lane checks it). */
  open?: boolean;
}
const queueSchema = new Schema<TalkQueueDoc>({
  _id: { type: String, required: true },
  seq: { type: Number, required: true },
  waitlist: { type: [String], default: [] },
  taken: { type: [Number], default: undefined },
  open: Boolean,
});
export const TalkQueues = defineModel<TalkQueueDoc>('TalkQueue', queueSchema);

/**
 * Where a talk's waitlist stands in ticket numbers, written only by the lock holder, so that a waitlisted
 * resident's place is one read of a few numbers: `head` is the lowest tracked ticket still waiting (`next` when
 * none waits), `next` the ticket the next waitlisted registration gets, `gone` the tickets above `head` that
 * left out of turn (cancelled from the middle), ascending, and `untracked` how many wait ahead of every tracked
 * ticket without one (waitlisted before tickets existed): their own places are counted. Place of ticket t =
 * untracked + t − head + 1 − |gone below t|. Kept across staff edits (they do not move the waitlist); removed
 * when a walk failed half-way or a dead holder's lease was taken — then places are counted until the next walk
 * rebuilds it.
 */
export interface WaitlistHeadDoc {
  _id: string;
  head: number;
  next: number;
  gone: number[];
  untracked: number;
}
const waitlistHeadSchema = new Schema<WaitlistHeadDoc>({
  _id: { type: String, required: true },
  head: { type: Number, required: true },
  next: { type: Number, required: true },
  gone: { type: [Number], default: [] },
  untracked: { type: Number, default: 0 },
});
export const WaitlistHeads = defineModel<WaitlistHeadDoc>('TalkWaitlistHead', waitlistHeadSchema);

/**
 * A resident's sign-ups, keyed by resident: `_id` = `<residentId>:<n>` for n = 1, 2, … (inserted in turn, a
 * duplicate key means take the next n). "My registrations" reads these by `_id`, so it never depends on how
 * many other residents signed up for anything.
 */
export interface ResidentEntryDoc {
  _id: string;
  registrationId: Types.ObjectId;
  talkId: Types.ObjectId;
  createdAt: Date;
}
const entrySchema = new Schema<ResidentEntryDoc>({
  _id: { type: String, required: true },
  registrationId: { type: Schema.Types.ObjectId, required: true },
  talkId: { type: Schema.Types.ObjectId, required: true },
  createdAt: { type: Date, required: true },
});
export const ResidentEntries = defineModel<ResidentEntryDoc>('TalkResidentEntry', entrySchema);

/** Attendance: `_id` = `<talkId>:<residentId>` so a resident is checked in once. */
interface AttendanceDoc {
  _id: string;
  talkId: Types.ObjectId;
  residentId: Types.ObjectId;
  registrationId: Types.ObjectId;
  areaPath: string[];
  via: 'scan' | 'staff';
  staffId?: string;
  at: Date;
}
const attendanceSchema = new Schema<AttendanceDoc>({
  _id: { type: String, required: true },
  talkId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  registrationId: { type: Schema.Types.ObjectId, required: true },
  areaPath: { type: [String], default: [] },
  via: { type: String, required: true },
  staffId: String,
  at: { type: Date, required: true },
});
attendanceSchema.index({ talkId: 1 });
attendanceSchema.index({ residentId: 1 });
export const Attendance = defineModel<AttendanceDoc>('TalkAttendance', attendanceSchema);

/** Feedback after attending, once per resident and session (`_id` = `<talkId>:<residentId>`). */
export interface FeedbackDoc {
  _id: string;
  talkId: Types.ObjectId;
  residentId: Types.ObjectId;
  expertIds: Types.ObjectId[];
  /** The session's area path, so staff figures stay in scope. */
  areaPath: string[];
  rating: number;
  comment?: string;
  /** `review`: held for staff; only `visible` comments are shown. */
  commentState: 'none' | 'visible' | 'review' | 'rejected';
  at: Date;
}
const feedbackSchema = new Schema<FeedbackDoc>({
  _id: { type: String, required: true },
  talkId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  expertIds: { type: [Schema.Types.ObjectId], default: [] },
  areaPath: { type: [String], default: [] },
  rating: { type: Number, required: true },
  comment: String,
  commentState: { type: String, required: true },
  at: { type: Date, required: true },
});
feedbackSchema.index({ talkId: 1 });
feedbackSchema.index({ expertIds: 1 });
feedbackSchema.index({ commentState: 1 });
export const Feedback = defineModel<FeedbackDoc>('TalkFeedback', feedbackSchema);

/** Cached check-in code image (WeChat asks to pre-generate them). */
interface TalkCodeDoc {
  _id: string;
  scene: string;
  png: Buffer;
  createdAt: Date;
}
const codeSchema = new Schema<TalkCodeDoc>({
  _id: { type: String, required: true },
  scene: { type: String, required: true },
  png: { type: Buffer, required: true },
  createdAt: { type: Date, required: true },
});
export const TalkCodes = defineModel<TalkCodeDoc>('TalkCode', codeSchema);

/**
 * A person who came without signing up, added by staff at the door. Counts as attended. Name and phone are
 * sealed; unique (talkId, phoneIndex) records one person once per session. WALKIN_RETENTION_DAYS after the
 * day they came, name and phone are removed (`erasedAt`); the record stays, counted where it was.
 */
export interface WalkInDoc {
  _id: Types.ObjectId;
  talkId: Types.ObjectId;
  nameEnc?: string;
  phoneEnc?: string;
  /** Sex and birth year (sealed JSON) of a walk-in without a phone, who is told apart by them. */
  profileEnc?: string;
  /**
   * Blind index of the phone number (purpose `talk-walkin-phone`), or of name, village, sex and birth year when
   * the person has no phone; `erased:<_id>` once erased.
   */
  phoneIndex: string;
  erasedAt?: Date;
  villageCode?: string;
  /** The village's path when one was given, else the session's: where the figures count the person. */
  areaPath: string[];
  staffId: string;
  at: Date;
}
const walkInSchema = new Schema<WalkInDoc>({
  talkId: { type: Schema.Types.ObjectId, required: true },
  nameEnc: String,
  phoneEnc: String,
  profileEnc: String,
  phoneIndex: { type: String, required: true },
  erasedAt: Date,
  villageCode: String,
  areaPath: { type: [String], default: [] },
  staffId: { type: String, required: true },
  at: { type: Date, required: true },
});
walkInSchema.index({ talkId: 1, phoneIndex: 1 }, { unique: true });
walkInSchema.index({ at: 1 });
export const WalkIns = defineModel<WalkInDoc>('TalkWalkIn', walkInSchema);

/** Marks a one-off job as done (`_id` = the job's name). */
export interface TalkJobDoc {
  _id: string;
  at: Date;
  /** What the job did, for the log. */
  count: number;
}
export const TalkJobs = defineModel<TalkJobDoc>(
  'TalkJob',
  new Schema<TalkJobDoc>({ _id: String, at: { type: Date, required: true }, count: { type: Number, required: true } }),
);
