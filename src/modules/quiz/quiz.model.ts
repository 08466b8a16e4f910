import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';

export type QuestionType = 'single' | 'multi' | 'judge';
interface OptionDoc {
  key: string;
  text: string;
}

/** The content of a question; edits never change it in place, they add a version. */
export interface QuestionContent {
  type: QuestionType;
  stem: string;
  options: OptionDoc[];
  answer: string[];
  explanation: string;
  bank?: string;
  item?: number;
  part?: string;
  topics: string[];
  difficulty: number;
}

export interface QuestionDoc extends QuestionContent {
  _id: Types.ObjectId;
  key: string;
  version: number;
  active: boolean;
  /** topics plus the bank name: what draw rules and topic practice match on. */
  tags: string[];
  updatedAt: Date;
}

const optionSchema = new Schema<OptionDoc>({ key: { type: String, required: true }, text: { type: String, required: true } }, { _id: false });
const content = {
  type: { type: String, required: true, enum: ['single', 'multi', 'judge'] },
  stem: { type: String, required: true },
  options: { type: [optionSchema], required: true },
  answer: { type: [String], required: true },
  explanation: { type: String, required: true },
  bank: String,
  item: Number,
  part: String,
  topics: { type: [String], default: [] },
  difficulty: { type: Number, required: true },
};

const questionSchema = new Schema<QuestionDoc>({
  key: { type: String, required: true },
  version: { type: Number, required: true },
  active: { type: Boolean, required: true },
  tags: { type: [String], default: [] },
  updatedAt: { type: Date, required: true },
  ...content,
});
questionSchema.index({ key: 1 }, { unique: true });
questionSchema.index({ active: 1, tags: 1 });
questionSchema.index({ bank: 1, item: 1 });
export const Questions = defineModel<QuestionDoc>('QuizQuestion', questionSchema);

/** Every version ever published, so an old attempt is scored and explained with what it showed. */
interface QuestionVersionDoc extends QuestionContent {
  _id: Types.ObjectId;
  questionId: Types.ObjectId;
  key: string;
  version: number;
  createdAt: Date;
}
const versionSchema = new Schema<QuestionVersionDoc>({
  questionId: { type: Schema.Types.ObjectId, required: true },
  key: { type: String, required: true },
  version: { type: Number, required: true },
  createdAt: { type: Date, required: true },
  ...content,
});
versionSchema.index({ questionId: 1, version: 1 }, { unique: true });
export const QuestionVersions = defineModel<QuestionVersionDoc>('QuizQuestionVersion', versionSchema);

export interface DrawRule {
  /** Any of these tags; empty = any question. */
  tags: string[];
  difficulty?: number;
  count: number;
}

export type ContestStatus = 'draft' | 'published' | 'closed';
/**
 * `assessment`: a health-literacy round — the standard paper (blueprint.ts), timed, one scored attempt per
 * resident; its results are what the literacy level counts. `contest`: everything else.
 */
export type ContestKind = 'contest' | 'assessment';
export interface ContestDoc {
  _id: Types.ObjectId;
  kind: ContestKind;
  title: string;
  description: string;
  startAt: Date;
  endAt: Date;
  /** Residents whose areaPath contains areaCode may take part; areaPath is the scope area's own path. */
  areaCode: string;
  areaPath: string[];
  drawRules: DrawRule[];
  timeLimitSec: number;
  attemptsPerDay: number;
  attemptsTotal: number;
  /** Percentage 0–100. */
  passScore: number;
  /** Hold this contest's questions back from practice and the daily quiz while it is open (see reserved.ts). */
  reserveQuestions?: boolean;
  /** The pool fixed at publish when `reserveQuestions`; attempts draw only from it. */
  reservedQuestionIds?: Types.ObjectId[];
  status: ContestStatus;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}
const contestSchema = new Schema<ContestDoc>({
  kind: { type: String, enum: ['contest', 'assessment'], default: 'contest' },
  title: { type: String, required: true },
  description: { type: String, default: '' },
  startAt: { type: Date, required: true },
  endAt: { type: Date, required: true },
  areaCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  drawRules: { type: [{ _id: false, tags: [String], difficulty: Number, count: Number }], default: [] },
  timeLimitSec: { type: Number, required: true },
  attemptsPerDay: { type: Number, required: true },
  attemptsTotal: { type: Number, required: true },
  passScore: { type: Number, required: true },
  reserveQuestions: { type: Boolean, default: false },
  reservedQuestionIds: { type: [Schema.Types.ObjectId], default: undefined },
  status: { type: String, required: true, enum: ['draft', 'published', 'closed'] },
  createdBy: { type: String, required: true },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
});
contestSchema.index({ status: 1, endAt: 1 });
contestSchema.index({ areaPath: 1, _id: -1 });
contestSchema.index({ kind: 1, status: 1 });
export const Contests = defineModel<ContestDoc>('QuizContest', contestSchema);

export type AttemptMode = 'daily' | 'contest' | 'topic' | 'wrongbook';
/** One question as it was sent: `optionOrder[i]` is the stored option key shown at position i (A, B, C…). */
export interface AttemptItem {
  questionId: Types.ObjectId;
  version: number;
  optionOrder: string[];
}
export interface AttemptDoc {
  _id: Types.ObjectId;
  residentId: Types.ObjectId;
  mode: AttemptMode;
  contestId?: Types.ObjectId;
  topic?: string;
  /** Shanghai day of creation. */
  day: string;
  villageCode?: string;
  areaPath: string[];
  items: AttemptItem[];
  createdAt: Date;
  deadline: Date;
  /** Contest attempts: the resident's masked name when it started, carried to the board so the fold looks up none. */
  boardName?: string;
}
const attemptSchema = new Schema<AttemptDoc>({
  residentId: { type: Schema.Types.ObjectId, required: true },
  mode: { type: String, required: true },
  contestId: Schema.Types.ObjectId,
  topic: String,
  day: { type: String, required: true },
  villageCode: String,
  areaPath: { type: [String], default: [] },
  items: { type: [{ _id: false, questionId: Schema.Types.ObjectId, version: Number, optionOrder: [String] }], required: true },
  createdAt: { type: Date, required: true },
  deadline: { type: Date, required: true },
  boardName: String,
});
attemptSchema.index({ residentId: 1, _id: -1 });
attemptSchema.index({ contestId: 1 });
export const Attempts = defineModel<AttemptDoc>('QuizAttempt', attemptSchema);

/**
 * Unique keys deciding races by insert: `daily:<residentId>:<day>` (first open of the day wins),
 * `total:<contestId>:<residentId>:<n>` and `day:<contestId>:<residentId>:<day>:<n>` (attempt slots).
 */
export interface QuizKeyDoc {
  _id: string;
  /** The key without its slot number, for counting taken slots. */
  scope: string;
  attemptId: Types.ObjectId;
  at: Date;
}
const keySchema = new Schema<QuizKeyDoc>({
  _id: String,
  scope: { type: String, required: true },
  attemptId: { type: Schema.Types.ObjectId, required: true },
  at: { type: Date, required: true },
});
keySchema.index({ scope: 1 });
export const QuizKeys = defineModel<QuizKeyDoc>('QuizKey', keySchema);

export interface ResultItem {
  questionId: Types.ObjectId;
  version: number;
  /** Stored option keys chosen (not the display letters). */
  choice: string[];
  correct: boolean;
}
/** The single-use submission: its `_id` is the attempt id, so a second insert is a duplicate key. */
export interface SubmissionDoc {
  _id: Types.ObjectId;
  residentId: Types.ObjectId;
  mode: AttemptMode;
  contestId?: Types.ObjectId;
  day: string;
  villageCode?: string;
  areaPath: string[];
  results: ResultItem[];
  correct: number;
  total: number;
  score: number;
  passed: boolean;
  durationMs: number;
  tooFast: boolean;
  submittedAt: Date;
  /** The Idempotency-Key of the submitting request: its retry is answered from this submission. */
  idempotencyKey?: string;
  /** A too-fast submission staff looked at and cleared: it counts on the leaderboard and may earn the certificate. */
  flagCleared?: boolean;
  /**
   * Points this submission earned, decided at submit within the day's cap (see rewards.service.ts). Absent on
   * submissions made while points were kept as ledger slots (`quizpoints`), whose points are read from there.
   */
  points?: number;
}
const submissionSchema = new Schema<SubmissionDoc>({
  idempotencyKey: String,
  residentId: { type: Schema.Types.ObjectId, required: true },
  mode: { type: String, required: true },
  contestId: Schema.Types.ObjectId,
  day: { type: String, required: true },
  villageCode: String,
  areaPath: { type: [String], default: [] },
  results: { type: [{ _id: false, questionId: Schema.Types.ObjectId, version: Number, choice: [String], correct: Boolean }], required: true },
  correct: { type: Number, required: true },
  total: { type: Number, required: true },
  score: { type: Number, required: true },
  passed: { type: Boolean, required: true },
  durationMs: { type: Number, required: true },
  tooFast: { type: Boolean, required: true },
  submittedAt: { type: Date, required: true },
  flagCleared: Boolean,
  points: Number,
});
submissionSchema.index({ contestId: 1, tooFast: 1 });
submissionSchema.index({ residentId: 1, submittedAt: -1 });
export const Submissions = defineModel<SubmissionDoc>('QuizSubmission', submissionSchema);

/**
 * Wrong-book events as they were once kept, one per answered question. The book is now read from the
 * submissions' own results; these remain only for data written before (read beside them, erased with them).
 */
export interface WrongMarkDoc {
  _id: string; // <residentId>:<questionId>:<attemptId>
  residentId: Types.ObjectId;
  questionId: Types.ObjectId;
  kind: 'wrong' | 'right';
  at: Date;
}
const wrongSchema = new Schema<WrongMarkDoc>({
  _id: String,
  residentId: { type: Schema.Types.ObjectId, required: true },
  questionId: { type: Schema.Types.ObjectId, required: true },
  kind: { type: String, required: true },
  at: { type: Date, required: true },
});
wrongSchema.index({ residentId: 1, questionId: 1 });
export const WrongMarks = defineModel<WrongMarkDoc>('QuizWrongMark', wrongSchema);

/**
 * Points as they were once kept: one unit slot `<residentId>:<day>:<n>`, n ≤ daily cap units. Points are now
 * stored on the submission (`points`); these entries remain for data written before and still count.
 */
interface PointsDoc {
  _id: string;
  residentId: Types.ObjectId;
  day: string;
  points: number;
  source: string;
  at: Date;
}
const pointsSchema = new Schema<PointsDoc>({
  _id: String,
  residentId: { type: Schema.Types.ObjectId, required: true },
  day: { type: String, required: true },
  points: { type: Number, required: true },
  source: { type: String, required: true },
  at: { type: Date, required: true },
});
pointsSchema.index({ residentId: 1, day: 1 });
export const PointsLedger = defineModel<PointsDoc>('QuizPoints', pointsSchema);

/** One certificate per resident and contest (the first pass); `_id` = `<contestId>:<residentId>`. */
export interface CertificateDoc {
  _id: string;
  code: string;
  contestId: Types.ObjectId;
  residentId: Types.ObjectId;
  submissionId: Types.ObjectId;
  score: number;
  issuedAt: Date;
}
const certSchema = new Schema<CertificateDoc>({
  _id: String,
  code: { type: String, required: true },
  contestId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  submissionId: { type: Schema.Types.ObjectId, required: true },
  score: { type: Number, required: true },
  issuedAt: { type: Date, required: true },
});
certSchema.index({ code: 1 }, { unique: true });
certSchema.index({ residentId: 1 });
export const Certificates = defineModel<CertificateDoc>('QuizCertificate', certSchema);

/**
 * Staff's decision on a too-fast submission, one per submission (`_id` = the attempt id, so of two decisions the
 * first insert wins): `cleared` (a genuine fast reader) or `confirmed` (not genuine; stays out of rankings).
 */
export interface FlagReviewDoc {
  _id: string;
  contestId: Types.ObjectId;
  decision: 'cleared' | 'confirmed';
  staffId: string;
  staffName: string;
  at: Date;
}
const flagReviewSchema = new Schema<FlagReviewDoc>({
  _id: String,
  contestId: { type: Schema.Types.ObjectId, required: true },
  decision: { type: String, required: true, enum: ['cleared', 'confirmed'] },
  staffId: { type: String, required: true },
  staffName: { type: String, required: true },
  at: { type: Date, required: true },
});
export const FlagReviews = defineModel<FlagReviewDoc>('QuizFlagReview', flagReviewSchema);

/**
 * One per resident, year (Asia/Shanghai) and village where they answered a daily quiz or a contest: what the
 * yearly report counts participants from. Inserted by the submit (a duplicate key means already counted), so
 * counting participants groups a few per-village rows instead of every submission. Holds no score.
 */
export interface ParticipationDoc {
  _id: string; // <year>:<residentId>:<village code>
  year: number;
  residentId: Types.ObjectId;
  areaPath: string[];
  /** The submission that first counted the resident here. */
  firstAt: Date;
}
const participationSchema = new Schema<ParticipationDoc>({
  _id: String,
  year: { type: Number, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  areaPath: { type: [String], default: [] },
  firstAt: { type: Date, required: true },
});
export const Participations = defineModel<ParticipationDoc>('QuizParticipation', participationSchema);

/** Marks a one-off job as done (`_id` = the job's name). */
interface QuizJobDoc {
  _id: string;
  at: Date;
  /** What the job did, for the log. */
  count: number;
}
export const QuizJobs = defineModel<QuizJobDoc>(
  'QuizJob',
  new Schema<QuizJobDoc>({ _id: String, at: { type: Date, required: true }, count: { type: Number, required: true } }),
);

/**
 * A resident's best result in a contest, kept at submit time: `_id` = `<contestId>:<residentId>:<score>`, one
 * insert per score reached (a duplicate means that score is already recorded, with an earlier submission).
 * The best is the highest score of a resident's records, so a better score is added by an insert and nothing
 * is ever updated — no read-modify-write for the server to leave unisolated. Boards are computed from these.
 */
export interface BestDoc {
  _id: string;
  contestId: Types.ObjectId;
  residentId: Types.ObjectId;
  villageCode: string;
  score: number;
  durationMs: number;
  at: Date;
  submissionId: Types.ObjectId;
}
const bestSchema = new Schema<BestDoc>({
  _id: String,
  contestId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  villageCode: { type: String, default: '' },
  score: { type: Number, required: true },
  durationMs: { type: Number, required: true },
  at: { type: Date, required: true },
  submissionId: { type: Schema.Types.ObjectId, required: true },
});
bestSchema.index({ contestId: 1 });
bestSchema.index({ residentId: 1 });
export const QuizBests = defineModel<BestDoc>('QuizBest', bestSchema);

/**
 * A contest's computed board, kept by the worker: `_id` = contestId. Entries in rank order as parallel arrays
 * (resident, village, score, duration ms, time ms) — compact, and the server stores no nested arrays. Rewritten
 * whole only now and then; the folds in between insert what they changed (`quizboardchanges`).
 */
export interface BoardDoc {
  _id: string;
  /** The revision this document stands for (absent on boards of earlier versions). */
  rev?: number;
  computedAt: Date;
  entries: { resident: string[]; village: string[]; score: number[]; durationMs: number[]; at: number[] };
  villages: Array<{ code: string; name: string; path: string[]; participants: number; registered: number; participation: number; avgScore: number }>;
  /**
   * Masked names of everyone shown in a top list of some scope (village, town, district), so reads look up none,
   * with when each was read (ms; absent on boards of earlier versions): a newer name wins over an older one.
   */
  names?: { resident: string[]; name: string[]; at?: number[] };
}
const boardSchema = new Schema<BoardDoc>({
  _id: String,
  rev: Number,
  computedAt: { type: Date, required: true },
  entries: { type: Schema.Types.Mixed },
  villages: { type: Schema.Types.Mixed },
  names: { type: Schema.Types.Mixed },
});
export const QuizBoards = defineModel<BoardDoc>('QuizBoard', boardSchema);

/**
 * Board events not yet folded (leaderboard-intake.ts, folded by leaderboard-fold.ts): staff cleared a too-fast result (`c:<attemptId>`, it
 * now counts), a resident was erased (`e:<residentId>:<contestId>:<id>`, they leave that board) or renamed
 * (`n:<residentId>:<id>`, no contest: every board they are on shows the new masked name). Submissions reach the boards
 * through their tallies; these are the rare rest. A small collection the fold reads whole and
 * deletes from only after the boards it changed were written.
 */
export interface FreshDoc {
  _id: string;
  residentId: Types.ObjectId;
  at: Date;
  /** Absent on a rename: it applies to every contest the resident started. */
  contestId?: Types.ObjectId;
  /** Erasure: the resident leaves the board. */
  erase?: boolean;
  /** A cleared result: it counts on the board. */
  board?: boolean;
  villageCode?: string;
  score?: number;
  durationMs?: number;
  /** Rename: the new masked name, outranking names read before `at`. */
  name?: string;
}
const freshSchema = new Schema<FreshDoc>({
  _id: String,
  residentId: { type: Schema.Types.ObjectId, required: true },
  at: { type: Date, required: true },
  contestId: Schema.Types.ObjectId,
  erase: Boolean,
  board: Boolean,
  villageCode: String,
  score: Number,
  durationMs: Number,
  name: String,
});
export const QuizFresh = defineModel<FreshDoc>('QuizFreshResult', freshSchema);

/**
 * A board's revision, written by every fold (`_id` = contestId): `rev` changes when the board changed, `at` is
 * when the fold ran; the board is the board document of revision `base` with the changes of the revisions
 * `changes` on top, in order (absent on earlier versions' documents: the board document alone). Small, so
 * readers check it often and read only what they do not hold yet.
 */
export interface BoardRevDoc {
  _id: string;
  rev: number;
  at: Date;
  /** The board document's revision the changes build on (null: none yet). */
  base?: number | null;
  changes?: number[];
}
export const QuizBoardRevs = defineModel<BoardRevDoc>(
  'QuizBoardRev',
  new Schema<BoardRevDoc>({
    _id: String,
    rev: { type: Number, required: true },
    at: { type: Date, required: true },
    base: Number,
    changes: { type: [Number], default: undefined },
  }),
);

/**
 * What one fold changed on a board (`_id` = `<contestId>:<rev>`), inserted instead of rewriting the board
 * document: the bests that changed (parallel arrays, as the board's entries), the masked names that came with
 * them, and the villages as they now are. Deleted once a rewritten board document holds them.
 */
export interface BoardChangeDoc {
  _id: string;
  entries: BoardDoc['entries'];
  names: { resident: string[]; name: string[]; at: number[] };
  villages: BoardDoc['villages'];
}
export const QuizBoardChanges = defineModel<BoardChangeDoc>(
  'QuizBoardChange',
  new Schema<BoardChangeDoc>({
    _id: String,
    entries: { type: Schema.Types.Mixed },
    names: { type: Schema.Types.Mixed },
    villages: { type: Schema.Types.Mixed },
  }),
);
