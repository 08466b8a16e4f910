import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';

/** `_id` is the SHA-256 of the token: lookups go by primary key, which every server (FerretDB too) indexes well. */
interface SessionDoc {
  _id: string;
  subjectType: 'resident' | 'staff';
  subjectId: Types.ObjectId;
  createdAt: Date;
  expiresAt: Date;
  revokedAt?: Date;
}

const schema = new Schema<SessionDoc>({
  _id: { type: String, required: true },
  subjectType: { type: String, required: true, enum: ['resident', 'staff'] },
  subjectId: { type: Schema.Types.ObjectId, required: true },
  createdAt: { type: Date, required: true },
  expiresAt: { type: Date, required: true },
  revokedAt: { type: Date },
});
schema.index({ subjectType: 1, subjectId: 1 });
schema.index({ expiresAt: 1 });

export const Sessions = defineModel<SessionDoc>('Session', schema);
