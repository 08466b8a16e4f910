import type { StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { Outbox } from '../../notify/outbox.model';
import { Occurrences } from './campaigns.model';
import { getCampaign } from './campaigns.service';
import { BotRooms } from './rooms.model';

/** Per occurrence: sent / pending / dead per group (latest 20 occurrences). */
export async function campaignReport(app: AppContext, staff: StaffPrincipal, id: string) {
  const c = await getCampaign(app, staff, id);
  const occurrences = await Occurrences(app.db).find({ campaignId: c._id }).sort({ scheduledAt: -1 }).limit(20).lean();
  const items = await Outbox(app.db)
    .find(
      { 'source.campaignId': String(c._id), 'source.occurrence': { $in: occurrences.map((o) => o.occurrence) } },
      { payload: 1, status: 1, attempts: 1, lastError: 1, sentAt: 1, source: 1 },
    )
    .lean();
  const roomIds = [...new Set(items.map((i) => String(i.payload.roomId)))];
  const topics = new Map(
    (
      await BotRooms(app.db)
        .find({ _id: { $in: roomIds } }, { topic: 1 })
        .lean()
    ).map((r) => [String(r._id), r.topic]),
  );
  return {
    campaign: { id: String(c._id), title: c.title, status: c.status },
    occurrences: occurrences.map((o) => {
      const mine = items.filter((i) => i.source.occurrence === o.occurrence);
      const count = (s: string): number => mine.filter((i) => i.status === s).length;
      return {
        occurrence: o.occurrence,
        scheduledAt: o.scheduledAt.toISOString(),
        state: o.state,
        totals: { rooms: mine.length, sent: count('sent'), pending: count('pending'), dead: count('dead'), cancelled: count('cancelled') },
        rooms: mine.map((i) => ({
          itemId: String(i._id),
          roomId: String(i.payload.roomId),
          topic: topics.get(String(i.payload.roomId)) ?? null,
          status: i.status,
          attempts: i.attempts,
          lastError: i.lastError ?? null,
          sentAt: i.sentAt?.toISOString() ?? null,
        })),
      };
    }),
  };
}
