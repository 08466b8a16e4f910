import type { AppContext } from '../../context';
import { figure, figuresByArea, type FigureScope } from '../../lib/area-figures';
import { Outbox } from '../../notify/outbox.model';
import { BotRooms } from './rooms.model';

/**
 * Group messages of the year, one per group (area notices count once expanded into their groups), by delivery
 * status; and the groups bound to each area now.
 */
export async function groupFigures(app: AppContext, s: FigureScope) {
  const match = { channel: 'room', 'payload.roomId': { $exists: true }, createdAt: { $gte: s.from, $lt: s.to } };
  const [byStatus, bound] = await Promise.all([
    figuresByArea(Outbox(app.db), s.root, s.codes, { match, by: 'status' }),
    figuresByArea(BotRooms(app.db), s.root, s.codes, { match: { active: true } }),
  ]);
  return new Map(s.codes.map((c) => {
    const n = (st: string) => figure(byStatus, c, st);
    return [c, { planned: n('pending') + n('sent') + n('dead') + n('cancelled'), sent: n('sent'), dead: n('dead'), pending: n('pending'), cancelled: n('cancelled'), boundGroups: figure(bound, c) }];
  }));
}
