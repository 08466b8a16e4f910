import { Schema } from 'mongoose';
import { defineModel } from '../db/model';

export type BotState = 'stopped' | 'starting' | 'waiting_scan' | 'logged_in' | 'logged_out' | 'error';

/** What staff see of the bot process: written by the bot role, read by the api role (maybe another process). */
interface BotStatusDoc {
  _id: string;
  state: BotState;
  qr?: string;
  account?: { id: string; name: string };
  lastError?: { message: string; at: Date };
  reconnects: number;
  updatedAt: Date;
}
const statusSchema = new Schema<BotStatusDoc>({
  _id: { type: String, required: true },
  state: { type: String, required: true },
  qr: String,
  account: Schema.Types.Mixed,
  lastError: Schema.Types.Mixed,
  reconnects: { type: Number, default: 0 },
  updatedAt: { type: Date, required: true },
});
export const BotStatuses = defineModel<BotStatusDoc>('BotStatus', statusSchema);

/** A message id the bot has handled: inserting it first means a replay after a restart is ignored. */
interface ProcessedMessageDoc {
  _id: string;
  at: Date;
}
const processedSchema = new Schema<ProcessedMessageDoc>({ _id: { type: String, required: true }, at: { type: Date, required: true } });
processedSchema.index({ at: 1 });
export const ProcessedMessages = defineModel<ProcessedMessageDoc>('BotProcessedMessage', processedSchema);
