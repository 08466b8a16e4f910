import { Types } from 'mongoose';
import { scopeFilter, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { findPage } from '../../lib/pagination';
import { Outbox } from '../../notify/outbox.model';
import { getBotStatus } from './bot-status';
import { BotRooms } from './rooms.model';

/** Group (and private bot) messages that failed for good, in the staff member's area, newest first, a page at a time. */
export async function listDeadItems(app: AppContext, staff: StaffPrincipal, q: { areaCode?: string; limit: number; cursor?: string }) {
  const filter: Record<string, unknown> = { channel: 'room', status: 'dead', ...scopeFilter(staff) };
  if (q.areaCode) filter.areaPath = { $all: [staff.areaCode, q.areaCode] };
  return findPage(Outbox(app.db), filter, q, async (rows) => {
    const roomIds = [...new Set(rows.map((r) => r.payload.roomId).filter((id): id is string => typeof id === 'string' && Types.ObjectId.isValid(id)))];
    const rooms = new Map(
      (
        await BotRooms(app.db)
          .find({ _id: { $in: roomIds.map((id) => new Types.ObjectId(id)) } }, { topic: 1, areaName: 1 })
          .lean()
      ).map((r) => [String(r._id), r]),
    );
    return rows.map((r) => {
      const room = typeof r.payload.roomId === 'string' ? rooms.get(r.payload.roomId) : undefined;
      const text = typeof r.payload.text === 'string' ? r.payload.text : '';
      return {
        id: String(r._id),
        key: r.key,
        roomId: (r.payload.roomId as string | undefined) ?? null,
        attempts: r.attempts,
        lastError: r.lastError ?? null,
        source: r.source,
        topic: room?.topic ?? null,
        areaName: room?.areaName ?? null,
        textPreview: text.length > 60 ? `${text.slice(0, 60)}…` : text,
        createdAt: r.createdAt.toISOString(),
      };
    });
  });
}

/** The bot's state as the bot role last recorded it; the login QR logs a WeChat account in as the bot, so only district admins get it. */
export async function botStatusFor(app: AppContext, staff: StaffPrincipal) {
  const status = await getBotStatus(app);
  return staff.role === 'district_admin' ? status : { ...status, qr: null };
}
