import type { AppContext } from '../context';
import { isDuplicateKey } from '../db/model';
import { BotStatuses, ProcessedMessages, type BotState } from './bot.model';

export async function setBotStatus(ctx: AppContext, state: BotState, extra: { qr?: string; account?: { id: string; name: string }; reconnect?: boolean } = {}): Promise<void> {
  const set: Record<string, unknown> = { state, updatedAt: ctx.clock.now() };
  if (extra.account) set.account = extra.account;
  const update: Record<string, unknown> = { $set: extra.qr ? { ...set, qr: extra.qr } : set };
  if (!extra.qr) update.$unset = { qr: 1 };
  if (extra.reconnect) update.$inc = { reconnects: 1 };
  await BotStatuses(ctx.db).updateOne({ _id: ctx.config.WECHATY_NAME }, update, { upsert: true }).catch(async (err) => {
    if (!isDuplicateKey(err)) throw err;
    await BotStatuses(ctx.db).updateOne({ _id: ctx.config.WECHATY_NAME }, update);
  });
}

export async function recordBotError(ctx: AppContext, message: string): Promise<void> {
  await BotStatuses(ctx.db).updateOne(
    { _id: ctx.config.WECHATY_NAME },
    { $set: { lastError: { message: message.slice(0, 300), at: ctx.clock.now() }, updatedAt: ctx.clock.now() }, $setOnInsert: { state: 'error' } },
    { upsert: true },
  ).catch(() => undefined);
}

export async function getBotStatus(ctx: AppContext) {
  const s = await BotStatuses(ctx.db).findById(ctx.config.WECHATY_NAME).lean();
  return {
    name: ctx.config.WECHATY_NAME,
    state: s?.state ?? 'stopped',
    qr: s?.state === 'waiting_scan' ? (s.qr ?? null) : null,
    account: s?.account ?? null,
    lastError: s?.lastError ? { message: s.lastError.message, at: s.lastError.at.toISOString() } : null,
    reconnects: s?.reconnects ?? 0,
    updatedAt: s?.updatedAt.toISOString() ?? null,
  };
}

/** True the first time a message id is seen (a unique insert), false for a replay. */
export async function firstSight(ctx: AppContext, messageId: string): Promise<boolean> {
  try {
    await ProcessedMessages(ctx.db).create({ _id: messageId, at: ctx.clock.now() });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** Housekeeping: ids older than a week can no longer be replayed. */
export async function purgeProcessedMessages(ctx: AppContext): Promise<number> {
  const r = await ProcessedMessages(ctx.db).deleteMany({ at: { $lt: new Date(ctx.clock.now().getTime() - 7 * 24 * 3600_000) } });
  return r.deletedCount;
}
