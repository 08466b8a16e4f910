import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';
import type { AttemptMode } from './quiz.model';

/**
 * What a counted submission (daily quiz or contest) adds to the yearly figures, inserted by the submit beside
 * the submission (`_id` = the submission's id, so a replay adds nothing). A small inbox: the fold moves its
 * entries into the per-year and per-round figures and deletes them, so reading it never scans the year.
 */
export interface TallyDoc {
  /** The submission's id; `cleared:<submission>` for a flag staff cleared (see `cleared`). */
  _id: Types.ObjectId | string;
  residentId: Types.ObjectId;
  areaPath: string[];
  mode: AttemptMode;
  score: number;
  contestId?: Types.ObjectId;
  submittedAt: Date;
  /** A contest result that counts on its board (not too fast, or cleared by staff): folded into it too. */
  board?: boolean;
  villageCode?: string;
  durationMs?: number;
  /** The board's masked name of the resident and when it was read (the attempt's start), so the fold looks up none. */
  name?: string;
  nameAt?: Date;
  /**
   * A paper flagged too fast and not cleared (yet): it counts as taking part (the year's figures) but not in a
   * literacy round's takers and literate residents until staff clear it.
   */
  held?: boolean;
  /** Staff cleared this flagged paper: it now adds to its literacy round only (the year's figures had it already). */
  cleared?: boolean;
}
const tallySchema = new Schema<TallyDoc>({
  _id: { type: Schema.Types.Mixed, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  areaPath: { type: [String], default: [] },
  mode: { type: String, required: true },
  score: { type: Number, required: true },
  contestId: Schema.Types.ObjectId,
  submittedAt: { type: Date, required: true },
  board: Boolean,
  villageCode: String,
  durationMs: Number,
  name: String,
  nameAt: Date,
  held: Boolean,
  cleared: Boolean,
});
export const QuizTallies = defineModel<TallyDoc>('QuizTally', tallySchema);

/** One village path's figures in a year: submissions, the sum of their scores, residents who took part. */
export interface YearRow {
  areaPath: string[];
  submissions: number;
  scoreSum: number;
  participants: number;
}
/** One village path's figures in a literacy round: residents who took it and those scoring at least 80. */
export interface RoundRow {
  areaPath: string[];
  takers: number;
  literate: number;
}

/**
 * The quiz's running figures, one document per year (`year:<YYYY>`) and per literacy round (`round:<contestId>`),
 * each a row per village path: a few hundred rows however many submissions. Written only by the fold, which
 * holds the fold lock, and stamped with the fold that last changed it so a resumed fold never adds twice.
 */
export interface FigureDoc {
  _id: string;
  rows: Array<YearRow | RoundRow>;
  foldId: string;
  updatedAt: Date;
}
export const QuizFigures = defineModel<FigureDoc>(
  'QuizFigure',
  new Schema<FigureDoc>({
    _id: String,
    rows: { type: Schema.Types.Mixed, default: [] },
    foldId: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  }),
);

/**
 * The fold's lock (`_id: 'lock'`: holder and lease end, taken by a unique insert) and its journal
 * (`_id: 'journal'`: the tallies being folded, written before any figure changes, deleted when the fold is
 * done; found at the next fold when a process died half-way, and finished then).
 */
export interface FoldDoc {
  _id: 'lock' | 'journal';
  holder?: string;
  until?: Date;
  foldId?: string;
  tallyIds?: Array<Types.ObjectId | string>;
}
export const QuizFolds = defineModel<FoldDoc>(
  'QuizFold',
  new Schema<FoldDoc>({
    _id: String,
    holder: String,
    until: Date,
    foldId: String,
    tallyIds: { type: [Schema.Types.Mixed], default: undefined },
  }),
);
