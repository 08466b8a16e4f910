import { Schema, Types } from 'mongoose';
import { defineModel } from '../../db/model';

/** A village WeChat group the bot is in, bound to an area by a code posted in the group. */
export interface BotRoomDoc {
  _id: Types.ObjectId;
  /** The puppet's id; web puppets change it between sessions, so outbox items carry `_id` instead. */
  wxRoomId: string;
  topic: string;
  areaCode: string;
  areaPath: string[];
  areaName: string;
  boundBy: { contactId: string; code: string };
  boundAt: Date;
  active: boolean;
  /** Why staff must look at it: `ambiguous_topic`, `not_found`, `bot_removed`. */
  attention?: string;
  updatedAt: Date;
}
const roomSchema = new Schema<BotRoomDoc>({
  wxRoomId: { type: String, required: true },
  topic: { type: String, required: true },
  areaCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  areaName: { type: String, required: true },
  boundBy: { type: Schema.Types.Mixed, required: true },
  boundAt: { type: Date, required: true },
  active: { type: Boolean, required: true },
  attention: String,
  updatedAt: { type: Date, required: true },
});
roomSchema.index({ wxRoomId: 1 }, { unique: true });
roomSchema.index({ areaPath: 1, active: 1 });
roomSchema.index({ topic: 1 });
export const BotRooms = defineModel<BotRoomDoc>('BotRoom', roomSchema);

/** A one-time bind code made by staff; using it inserts a `BindCodeUse` under the same `_id`. */
interface BindCodeDoc {
  _id: string;
  areaCode: string;
  areaPath: string[];
  areaName: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
}
const codeSchema = new Schema<BindCodeDoc>({
  _id: { type: String, required: true },
  areaCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  areaName: { type: String, required: true },
  createdBy: { type: String, required: true },
  createdAt: { type: Date, required: true },
  expiresAt: { type: Date, required: true },
});
codeSchema.index({ expiresAt: 1 });
export const BindCodes = defineModel<BindCodeDoc>('BindCode', codeSchema);

interface BindCodeUseDoc {
  _id: string;
  wxRoomId: string;
  usedAt: Date;
}
const useSchema = new Schema<BindCodeUseDoc>({
  _id: { type: String, required: true },
  wxRoomId: { type: String, required: true },
  usedAt: { type: Date, required: true },
});
export const BindCodeUses = defineModel<BindCodeUseDoc>('BindCodeUse', useSchema);
