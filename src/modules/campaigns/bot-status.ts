import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { BotStatuses, OUTAGE_LABELS, ProcessedMessages, type BotState, type Outage } from './bot-status.model';

export async function setBotStatus(
  app: AppContext,
  state: BotState,
  extra: { qr?: string; account?: { id: string; name: string }; reconnect?: boolean } = {},
): Promise<void> {
  const set: Record<string, unknown> = { state, updatedAt: app.clock.now() };
  if (extra.account) set.account = extra.account;
  const update: Record<string, unknown> = { $set: extra.qr ? { ...set, qr: extra.qr } : set };
  if (!extra.qr) update.$unset = { qr: 1 };
  if (extra.reconnect) update.$inc = { reconnects: 1 };
  await BotStatuses(app.db)
    .updateOne({ _id: app.config.WECHATY_NAME }, update, { upsert: true })
    .catch(async (err) => {
      if (!isDuplicateKey(err)) throw err;
      await BotStatuses(app.db).updateOne({ _id: app.config.WECHATY_NAME }, update);
    });
}

export async function recordBotError(app: AppContext, message: string): Promise<void> {
  await BotStatuses(app.db)
    .updateOne(
      { _id: app.config.WECHATY_NAME },
      { $set: { lastError: { message: message.slice(0, 300), at: app.clock.now() }, updatedAt: app.clock.now() }, $setOnInsert: { state: 'error' } },
      { upsert: true },
    )
    .catch(() => undefined);
}

/** The current spell offline as the bot role sees it (tries, last and next try, alert). */
export async function saveOutage(app: AppContext, outage: Outage): Promise<void> {
  await BotStatuses(app.db).updateOne({ _id: app.config.WECHATY_NAME }, { $set: { outage, updatedAt: app.clock.now() } }, { upsert: true });
}

/** Back online: the spell is kept as the last one, so staff see what happened. */
export async function endOutage(app: AppContext, outage: Outage): Promise<void> {
  await BotStatuses(app.db).updateOne(
    { _id: app.config.WECHATY_NAME },
    { $set: { lastOutage: { ...outage, until: app.clock.now() }, updatedAt: app.clock.now() }, $unset: { outage: 1 } },
  );
}

const iso = (d: Date | undefined): string | null => (d ? new Date(d).toISOString() : null);

function outageView(o: Outage) {
  return {
    reason: o.reason,
    reasonLabel: OUTAGE_LABELS[o.reason],
    message: o.message,
    since: new Date(o.since).toISOString(),
    tries: o.tries,
    lastTryAt: iso(o.lastTryAt),
    nextTryAt: iso(o.nextTryAt),
    alertedAt: iso(o.alertedAt),
    until: iso(o.until),
  };
}

/** Offline longer than BOT_OFFLINE_ALERT_MIN: the text of the district admins' alert, or null. */
export function offlineAlert(app: AppContext, state: BotState, o: Outage | undefined): { since: string; minutes: number; message: string } | null {
  if (!o) return null;
  const minutes = Math.floor((app.clock.now().getTime() - new Date(o.since).getTime()) / 60_000);
  if (minutes < app.config.BOT_OFFLINE_ALERT_MIN) return null;
  const todo = state === 'waiting_scan' ? '请区级管理员到「群与机器人」页面扫码登录。' : '系统正在自动重连；如长时间未恢复，请联系技术人员。';
  return {
    since: new Date(o.since).toISOString(),
    minutes,
    message: `群机器人已离线 ${minutes} 分钟（${OUTAGE_LABELS[o.reason]}），村居群消息暂停发送，恢复后会按顺序补发。${todo}`,
  };
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
    outage: s?.outage ? outageView(s.outage) : null,
    lastOutage: s?.lastOutage ? outageView(s.lastOutage) : null,
    alert: s ? offlineAlert(app, s.state, s.outage) : null,
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
