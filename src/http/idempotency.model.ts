import { Schema } from 'mongoose';
import { defineModel } from '../db/model';

/**
 * A creating request's claim on its Idempotency-Key, keyed by caller + route + key (unique `_id`, so exactly
 * one request runs). Its result is a second document under the same `_id` in `IdempotencyResults`: both are
 * written by one insert each, never updated (an update scans the collection on some servers).
 */
interface IdempotencyDoc {
  _id: string;
  createdAt: Date;
}

interface IdempotencyResultDoc {
  _id: string;
  status: number;
  body?: unknown;
  createdAt: Date;
}

const claimSchema = new Schema<IdempotencyDoc>({
  _id: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
claimSchema.index({ createdAt: 1 });

const resultSchema = new Schema<IdempotencyResultDoc>({
  _id: { type: String, required: true },
  status: { type: Number, required: true },
  body: Schema.Types.Mixed,
  createdAt: { type: Date, required: true },
});
resultSchema.index({ createdAt: 1 });

export const IdempotencyKeys = defineModel<IdempotencyDoc>('IdempotencyKey', claimSchema);
export const IdempotencyResults = defineModel<IdempotencyResultDoc>('IdempotencyResult', resultSchema);
