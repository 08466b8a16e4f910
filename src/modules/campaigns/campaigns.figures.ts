import type { AppContext } from '../../context';
import { z } from '../../http/zod';
import { figure, figuresByArea, type FigureScope } from '../../lib/area-figures';
import { Outbox } from '../../notify/outbox.model';
import type { FigureSection } from '../module';
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
  return new Map(
    s.codes.map((c) => {
      const n = (st: string) => figure(byStatus, c, st);
      return [
        c,
        {
          planned: n('pending') + n('sent') + n('dead') + n('cancelled'),
          sent: n('sent'),
          dead: n('dead'),
          pending: n('pending'),
          cancelled: n('cancelled'),
          boundGroups: figure(bound, c),
        },
      ];
    }),
  );
}

/** Group messages by delivery status and the groups bound, per area shown and, in the yearly report, per village. */
export const groupFigureSection: FigureSection<Awaited<ReturnType<typeof groupFigures>>> = {
  order: 60,
  figures: (app, q) => groupFigures(app, { ...q, codes: [...new Set([...q.codes, ...q.villages.map((v) => v.code)])] }),
  row: (f, code) => ({ groups: f.get(code)! }),
  rowShape: {
    groups: z.object({ planned: z.number(), sent: z.number(), dead: z.number(), pending: z.number(), cancelled: z.number(), boundGroups: z.number() }),
  },
  tail: (f, q) => ({
    groupsByVillage: q.villages.map((v) => ({ code: v.code, name: v.name, parentName: v.parentName, boundGroups: f.get(v.code)!.boundGroups })),
  }),
  tailShape: { groupsByVillage: z.array(z.object({ code: z.string(), name: z.string(), parentName: z.string().nullable(), boundGroups: z.number() })) },
  dashboard: (r) => ({ groups: { sent: r.groups.sent, dead: r.groups.dead } }),
  dashboardShape: { groups: z.object({ sent: z.number(), dead: z.number() }) },
  sheets: (r) => [
    {
      key: 'groups',
      title: '村群消息',
      percent: [],
      headers: ['地区编码', '地区', '计划发送', '已发送', '发送失败', '待发送', '已取消', '绑定群数'],
      rows: r.areas.map((a) => [a.code, a.name, a.groups.planned, a.groups.sent, a.groups.dead, a.groups.pending, a.groups.cancelled, a.groups.boundGroups]),
    },
    {
      key: 'groupsByVillage',
      title: '各村居绑定群',
      percent: [],
      headers: ['村居编码', '村居', '所属镇街', '绑定群数'],
      rows: (r.groupsByVillage as Array<{ code: string; name: string; parentName: string | null; boundGroups: number }>).map((v) => [
        v.code,
        v.name,
        v.parentName,
        v.boundGroups,
      ]),
    },
  ],
  overview: { clauses: (a) => [`村群消息计划 ${a.groups.planned} 条，已发送 ${a.groups.sent} 条`] },
};
