import { Schema } from 'mongoose';
import { defineModel } from '../../db/model';

/** A staff member's broadcast typed in a private chat, waiting for `确认 <code>` or `取消 <code>`. */
interface ChatBroadcastDoc {
  _id: string;
  staffId: string;
  contactId: string;
  areaCode: string;
  areaName: string;
  text: string;
  rooms: number;
  createdAt: Date;
  expiresAt: Date;
}
const chatSchema = new Schema<ChatBroadcastDoc>({
  _id: { type: String, required: true },
  staffId: { type: String, required: true },
  contactId: { type: String, required: true },
  areaCode: { type: String, required: true },
  areaName: { type: String, required: true },
  text: { type: String, required: true },
  rooms: { type: Number, required: true },
  createdAt: { type: Date, required: true },
  expiresAt: { type: Date, required: true },
});
chatSchema.index({ expiresAt: 1 });
export const ChatBroadcasts = defineModel<ChatBroadcastDoc>('ChatBroadcast', chatSchema);

/** The one decision (confirm or cancel) on a chat broadcast: inserted under the code, so only the first counts. */
interface ChatDecisionDoc {
  _id: string;
  decision: 'confirm' | 'cancel';
  campaignId?: string;
  at: Date;
}
const decisionSchema = new Schema<ChatDecisionDoc>({
  _id: { type: String, required: true },
  decision: { type: String, required: true },
  campaignId: String,
  at: { type: Date, required: true },
});
export const ChatDecisions = defineModel<ChatDecisionDoc>('ChatBroadcastDecision', decisionSchema);
