import type { AppContext } from '../context';
import { isDuplicateKey } from '../db/model';
import { BotStatuses, ProcessedMessages, type BotState } from './bot.model';

export async function setBotStatus(app: AppContext, state: BotState, extra: { qr?: string; account?: { id: string; name: string }; reconnect?: boolean } = {}): Promise<void> {
  const set: Record<string, unknown> = { state, updatedAt: app.clock.now() };
  if (extra.account) set.account = extra.account;
  const update: Record<string, unknown> = { $set: extra.qr ? { ...set, qr: extra.qr } : set };
  if (!extra.qr) update.$unset = { qr: 1 };
  if (extra.reconnect) update.$inc = { reconnects: 1 };
  await BotStatuses(app.db).updateOne({ _id: app.config.WECHATY_NAME }, update, { upsert: true }).catch(async (err) => {
    if (!isDuplicateKey(err)) throw err;
    await BotStatuses(app.db).updateOne({ _id: app.config.WECHATY_NAME }, update);
  });
}

export async function recordBotError(app: AppContext, message: string): Promise<void> {
  await BotStatuses(app.db).updateOne(
    { _id: app.config.WECHATY_NAME },
    { $set: { lastError: { message: message.slice(0, 300), at: app.clock.now() }, updatedAt: app.clock.now() }, $setOnInsert: { state: 'error' } },
    { upsert: true },
  ).catch(() => undefined);
}

export async function getBotStatus(app: AppContext) {
  const s = await BotStatuses(app.db).findById(app.config.WECHATY_NAME).lean();
  return {
    name: app.config.WECHATY_NAME,
    state: s?.state ?? 'stopped',
    qr: s?.state === 'waiting_scan' ? (s.qr ?? null) : null,
    account: s?.account ?? null,
    lastError: s?.lastError ? { message: s.lastError.message, at: s.lastError.at.toISOString() } : null,
    reconnects: s?.reconnects ?? 0,
    updatedAt: s?.updatedAt.toISOString() ?? null,
  };
}

/** True the first time a message id is seen (a unique insert), false for a replay. */
export async function firstSight(app: AppContext, messageId: string): Promise<boolean> {
  try {
    await ProcessedMessages(app.db).create({ _id: messageId, at: app.clock.now() });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** Housekeeping: ids older than a week can no longer be replayed. */
export async function purgeProcessedMessages(app: AppContext): Promise<number> {
  const r = await ProcessedMessages(app.db).deleteMany({ at: { $lt: new Date(app.clock.now().getTime() - 7 * 24 * 3600_000) } });
  return r.deletedCount;
}
