import { Schema } from 'mongoose';
import { defineModel } from '../../db/model';
import { botState } from '../../dictionaries';

export const BOT_STATES = botState.values;
export type BotState = (typeof BOT_STATES)[number];

/** What took the bot offline: a silent puppet (watchdog), a dropped connection, a logout, or a start that failed. */
export const OUTAGE_REASONS = ['watchdog', 'stream', 'logout', 'start_failed'] as const;
export type OutageReason = (typeof OUTAGE_REASONS)[number];
export const OUTAGE_LABELS: Readonly<Record<OutageReason, string>> = {
  watchdog: '心跳超时，连接已重置',
  stream: '与微信服务的连接中断',
  logout: '微信账号已退出登录',
  start_failed: '启动失败',
};

/** One spell offline, from the first cause to the login that ended it; tries are the bot's own reconnects. */
export interface Outage {
  reason: OutageReason;
  message: string;
  since: Date;
  tries: number;
  lastTryAt?: Date;
  nextTryAt?: Date;
  /** When the district admins were alerted (offline longer than BOT_OFFLINE_ALERT_MIN). */
  alertedAt?: Date;
  until?: Date;
}

/** What staff see of the bot process: written by the bot role, read by the api role (maybe another process). */
interface BotStatusDoc {
  _id: string;
  state: BotState;
  qr?: string;
  account?: { id: string; name: string };
  lastError?: { message: string; at: Date };
  reconnects: number;
  outage?: Outage;
  lastOutage?: Outage;
  updatedAt: Date;
}
const statusSchema = new Schema<BotStatusDoc>({
  _id: { type: String, required: true },
  state: { type: String, required: true },
  qr: String,
  account: Schema.Types.Mixed,
  lastError: Schema.Types.Mixed,
  reconnects: { type: Number, default: 0 },
  outage: Schema.Types.Mixed,
  lastOutage: Schema.Types.Mixed,
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
