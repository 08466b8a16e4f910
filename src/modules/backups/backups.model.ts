import { Schema } from 'mongoose';
import { defineModel } from '../../db/model';

/**
 * One backup run. A nightly run is claimed by inserting `_id` = `nightly:<Asia/Shanghai day>`, so of several
 * workers one backs up; a run started by hand has `manual:<time>`.
 */
export interface BackupRunDoc {
  _id: string;
  kind: 'nightly' | 'manual';
  status: 'running' | 'ok' | 'failed';
  startedAt: Date;
  finishedAt?: Date;
  file?: string;
  size?: number;
  documents?: number;
  collections?: number;
  copiedTo?: string;
  removed?: string[];
  error?: string;
}
const schema = new Schema<BackupRunDoc>({
  _id: { type: String, required: true },
  kind: { type: String, required: true },
  status: { type: String, required: true },
  startedAt: { type: Date, required: true },
  finishedAt: Date,
  file: String,
  size: Number,
  documents: Number,
  collections: Number,
  copiedTo: String,
  removed: { type: [String], default: undefined },
  error: String,
});
schema.index({ startedAt: -1 });
schema.index({ status: 1, finishedAt: -1 });
export const BackupRuns = defineModel<BackupRunDoc>('BackupRun', schema);
