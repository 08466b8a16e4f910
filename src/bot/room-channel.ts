import type { AppContext } from '../context';
import { activeRoomsUnder, getRoom, type BotRoomDoc, type Card } from '../modules/campaigns';
import type { RateGovernor } from '../notify/governor';
import type { OutboxItemDoc } from '../notify/outbox.model';
import { deliverDue, enqueueMany, reapExpiredClaims, type SendOutcome } from '../notify/outbox.service';

export interface RoomMessage {
  text: string;
  card?: Card;
  linkText?: string;
}

/** Sends one message to one bound group (the bot's Wechaty sender, or a no-op in benchmarks). */
export interface RoomSender {
  send(room: BotRoomDoc, message: RoomMessage): Promise<SendOutcome>;
  /** A private message to one contact (a staff member's linked WeChat). */
  sendPrivate?(contactId: string, text: string): Promise<SendOutcome>;
}

interface RoomDeliveryOptions {
  sender: RoomSender;
  worker: string;
  governor?: RateGovernor;
  batch?: number;
  backoffMs?: number;
  random?: () => number;
  /** Reap claims of dead workers first (default true; the loop does it once a minute, it scans every claim). */
  reap?: boolean;
}

/**
 * Area notices `{areaCode, text, card?}` (talk notices and the like) become one direct item per active group
 * under the area, keyed `<key>:room:<roomId>`; the notice itself is then marked sent. Re-running after a crash
 * only adds what is missing.
 */
async function expandAreaNotices(app: AppContext, worker: string): Promise<number> {
  let created = 0;
  await deliverDue(
    app,
    { channel: 'room', worker, extraFilter: { 'payload.roomId': { $exists: false }, 'payload.contactId': { $exists: false } } },
    async (notice) => {
      const areaCode = String(notice.payload.areaCode ?? '');
      if (!areaCode) return { result: 'dead', error: 'room notice without roomId or areaCode' };
      const rooms = await activeRoomsUnder(app, areaCode);
      const { areaCode: _a, ...message } = notice.payload;
      created += await enqueueMany(
        app,
        rooms.map((r) => ({
          key: `${notice.key}:room:${r._id}`,
          channel: 'room' as const,
          payload: { ...message, roomId: String(r._id) },
          notBefore: notice.notBefore,
          source: notice.source,
          areaPath: r.areaPath,
        })),
      );
      return { result: 'sent' };
    },
  );
  return created;
}

async function paced(o: RoomDeliveryOptions, send: () => Promise<SendOutcome>): Promise<SendOutcome> {
  // The send slot is taken only for an item this worker holds and can send: a claim held elsewhere or a
  // group that is gone costs no slot.
  if (o.governor && !(await o.governor.tryAcquire())) return { result: 'later' };
  // A thrown send may have reached the group: its slot stays used. A returned failure sent nothing.
  const outcome = await send();
  if (outcome.result === 'sent') await o.governor?.recordSent();
  else o.governor?.giveBack();
  return outcome;
}

async function sendItem(app: AppContext, item: OutboxItemDoc, o: RoomDeliveryOptions): Promise<SendOutcome> {
  const expiresAt = item.payload.expiresAt ? Date.parse(String(item.payload.expiresAt)) : NaN;
  if (expiresAt <= app.clock.now().getTime()) return { result: 'dead', error: 'expired before it could be sent' };
  if (item.payload.contactId) {
    const sendPrivate = o.sender.sendPrivate?.bind(o.sender);
    if (!sendPrivate) return { result: 'dead', error: 'this sender cannot send private messages' };
    return paced(o, () => sendPrivate(String(item.payload.contactId), String(item.payload.text ?? '')));
  }
  const roomId = String(item.payload.roomId);
  const room = await getRoom(app, roomId);
  if (!room) return { result: 'dead', error: 'group not found' };
  if (!room.active) return { result: 'dead', error: `group inactive${room.attention ? ` (${room.attention})` : ''}` };
  const message = { text: String(item.payload.text ?? ''), card: item.payload.card as Card | undefined, linkText: item.payload.linkText as string | undefined };
  return paced(o, () => o.sender.send(room, message));
}

/** One round: reap dead workers' claims, expand area notices, then send due direct items, each claimed and then paced by the governor. */
export async function deliverRoomsOnce(app: AppContext, o: RoomDeliveryOptions) {
  if (o.reap !== false) await reapExpiredClaims(app);
  const expanded = await expandAreaNotices(app, o.worker);
  const stats = await deliverDue(
    app,
    {
      channel: 'room',
      worker: o.worker,
      batch: o.batch ?? 50,
      backoffMs: o.backoffMs,
      random: o.random,
      extraFilter: { $or: [{ 'payload.roomId': { $exists: true } }, { 'payload.contactId': { $exists: true } }] },
    },
    (item) => sendItem(app, item, o),
  );
  return { ...stats, expanded };
}

/** The bot role's loop: a round every `intervalMs`, sooner while there is more due and the governor allows. */
export function startRoomDelivery(app: AppContext, o: RoomDeliveryOptions & { intervalMs: number }): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastReap = 0;
  const loop = async (): Promise<void> => {
    let delay = o.intervalMs;
    try {
      const reap = app.clock.now().getTime() - lastReap >= 60_000;
      if (reap) lastReap = app.clock.now().getTime();
      const s = await deliverRoomsOnce(app, { ...o, reap });
      const decision = await o.governor?.decide();
      if (decision && !decision.ok) delay = Math.min(o.intervalMs, Math.max(50, decision.retryAt.getTime() - app.clock.now().getTime()));
      else if (s.sent + s.retried + s.dead > 0) delay = 0;
    } catch (err) {
      app.logger.error({ event: 'bot.delivery.failed', err }, 'room delivery round failed');
    }
    if (!stopped) timer = setTimeout(() => void (running = loop()), delay);
  };
  timer = setTimeout(() => void (running = loop()), 0);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
