import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';

export interface AuditDoc {
  _id: Types.ObjectId;
  at: Date;
  actorType: 'staff' | 'resident' | 'system';
  actorId: string;
  actorName?: string;
  action: string;
  targetType: string;
  targetId: string;
  requestId?: string;
  ip?: string;
  /** The staff actor's area path (district → town → village) when the action was taken. */
  areaPath?: string[];
  details?: Record<string, unknown>;
}

const schema = new Schema<AuditDoc>({
  at: { type: Date, required: true },
  actorType: { type: String, required: true },
  actorId: { type: String, required: true },
  actorName: String,
  action: { type: String, required: true },
  targetType: { type: String, required: true },
  targetId: { type: String, required: true },
  requestId: String,
  ip: String,
  areaPath: { type: [String], default: undefined },
  details: Schema.Types.Mixed,
});
schema.index({ at: -1 });
schema.index({ actorId: 1, at: -1 });
schema.index({ targetType: 1, targetId: 1, at: -1 });
schema.index({ action: 1, at: -1 });
schema.index({ areaPath: 1, _id: -1 });

export const AuditLog = defineModel<AuditDoc>('AuditRecord', schema);
