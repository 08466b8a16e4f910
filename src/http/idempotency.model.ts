import { Schema } from 'mongoose';
import { defineModel } from '../db/model';

/** First result of a creating request, keyed by caller + route + Idempotency-Key (unique `_id`). */
export interface IdempotencyDoc {
  _id: string;
  state: 'pending' | 'done';
  status?: number;
  body?: unknown;
  createdAt: Date;
}

const schema = new Schema<IdempotencyDoc>({
  _id: { type: String, required: true },
  state: { type: String, required: true },
  status: Number,
  body: Schema.Types.Mixed,
  createdAt: { type: Date, required: true },
});
schema.index({ createdAt: 1 });

export const IdempotencyKeys = defineModel<IdempotencyDoc>('IdempotencyKey', schema);
