import { Schema, Types } from 'mongoose';
import { defineModel } from '../db/model';

export type OutboxChannel = 'subscribe' | 'room';
export type OutboxStatus = 'pending' | 'sent' | 'dead' | 'cancelled';

/** Everything that leaves the system is first an outbox item with a unique key. */
export interface OutboxItemDoc {
  _id: Types.ObjectId;
  /** e.g. `talk:<id>:reg:<regId>:remind24h`, `campaign:<id>:<occurrence>:room:<roomId>`. */
  key: string;
  channel: OutboxChannel;
  /**
   * Channel-specific message.
   * - `subscribe`: {residentId, templateKey, page?, data: {field: value}} — templateKey maps to a template id
   *   through config.subscribeTemplates; values are trimmed to WeChat's limits at send time.
   * - `room`, direct: {roomId, text, card?: {title, pagePath, thumbUrl?}} — one group.
   * - `room`, private: {contactId, text} — one private message to a staff member's linked WeChat.
   * - `room`, area notice: {areaCode, text, card?} (no roomId) — the bot expands it into one direct item per
   *   bound group under that area (keys `<key>:room:<roomId>`), then marks the notice sent.
   */
  payload: Record<string, unknown>;
  status: OutboxStatus;
  /** Not delivered before this time (schedules, backoff). */
  notBefore: Date;
  /** Attempts made so far; attempt N is claimed by inserting claim `<id>:<N>`. */
  attempts: number;
  maxAttempts: number;
  lastError?: string;
  /** Where it came from, for reports: {talkId}, {campaignId, occurrence}, {referralId}… */
  source: Record<string, string>;
  /** Area path of the target, so staff see only their area's items. */
  areaPath: string[];
  createdAt: Date;
  sentAt?: Date;
}

const schema = new Schema<OutboxItemDoc>(
  {
    key: { type: String, required: true },
    channel: { type: String, required: true, enum: ['subscribe', 'room'] },
    payload: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true, enum: ['pending', 'sent', 'dead', 'cancelled'] },
    notBefore: { type: Date, required: true },
    attempts: { type: Number, required: true },
    maxAttempts: { type: Number, required: true },
    lastError: String,
    source: { type: Schema.Types.Mixed, default: {} },
    areaPath: { type: [String], default: [] },
    createdAt: { type: Date, required: true },
    sentAt: Date,
  },
  { minimize: false },
);
schema.index({ key: 1 }, { unique: true });
schema.index({ channel: 1, status: 1, notBefore: 1 });
schema.index({ 'source.campaignId': 1, 'source.occurrence': 1 });
schema.index({ 'source.talkId': 1 });
schema.index({ areaPath: 1, status: 1 });

export const Outbox = defineModel<OutboxItemDoc>('OutboxItem', schema);

/** A claim on one attempt of one item: `_id` = `<itemId>:<attempt>`, so exactly one worker wins it. */
interface OutboxClaimDoc {
  _id: string;
  itemId: Types.ObjectId;
  attempt: number;
  worker: string;
  claimedAt: Date;
  leaseUntil: Date;
}
const claimSchema = new Schema<OutboxClaimDoc>({
  _id: { type: String, required: true },
  itemId: { type: Schema.Types.ObjectId, required: true },
  attempt: { type: Number, required: true },
  worker: { type: String, required: true },
  claimedAt: { type: Date, required: true },
  leaseUntil: { type: Date, required: true },
});
claimSchema.index({ leaseUntil: 1 });
claimSchema.index({ itemId: 1 });
export const OutboxClaims = defineModel<OutboxClaimDoc>('OutboxClaim', claimSchema);
