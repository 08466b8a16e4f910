import type { AppContext } from '../../context';
import { z } from '../../http/zod';
import { figure, figuresByArea, labelled, r2, StatusCounts } from '../../lib/area-figures';
import type { FigureRequest, FigureSection } from '../module';
import { REQUEST_KINDS, REQUEST_STATUSES, Requests } from './requests.model';
import { KIND_LABELS, STATUS_LABELS } from './requests.service';

/** Requests raised in the year per area: by kind, by status, escalated to the town, satisfaction of those rated. */
export async function requestFigures(app: AppContext, s: FigureRequest) {
  const match = { createdAt: { $gte: s.from, $lt: s.to } };
  const by = (extra: Record<string, unknown>, opts: { by?: string; sum?: string } = {}) =>
    figuresByArea(Requests(app.db), s.root, s.codes, { match: { ...match, ...extra }, ...opts });
  const [kinds, statuses, escalated, rated, ratingSum] = await Promise.all([
    by({}, { by: 'kind' }),
    by({}, { by: 'status' }),
    by({ escalatedAt: { $exists: true } }),
    by({ rating: { $exists: true } }),
    by({ rating: { $exists: true } }, { sum: 'rating' }),
  ]);
  return new Map(
    s.codes.map((c) => {
      const byKind = Object.fromEntries(REQUEST_KINDS.map((k) => [k, figure(kinds, c, k)])) as Record<string, number>;
      const r = figure(rated, c);
      return [
        c,
        {
          total: Object.values(byKind).reduce((a, b) => a + b, 0),
          byKind,
          byStatus: Object.fromEntries(REQUEST_STATUSES.map((st) => [st, figure(statuses, c, st)])) as Record<string, number>,
          escalated: figure(escalated, c),
          rated: r,
          averageRating: r ? r2(figure(ratingSum, c) / r) : null,
        },
      ];
    }),
  );
}

const Row = z.object({
  total: z.number(),
  byKind: z.record(z.string(), z.number()),
  byStatus: z.record(z.string(), z.number()),
  escalated: z.number(),
  rated: z.number(),
  averageRating: z.number().nullable(),
});

/** 群众诉求: by kind and status, escalations, satisfaction. */
export const requestFigureSection: FigureSection<Awaited<ReturnType<typeof requestFigures>>> = {
  order: 80,
  figures: requestFigures,
  row: (f, code) => ({ requests: f.get(code)! }),
  rowShape: { requests: Row },
  dashboard: (r) => ({
    requests: {
      total: r.requests.total,
      byKind: labelled(r.requests.byKind, KIND_LABELS),
      byStatus: labelled(r.requests.byStatus, STATUS_LABELS),
      escalated: r.requests.escalated,
      averageRating: r.requests.averageRating,
    },
  }),
  dashboardShape: {
    requests: z.object({ total: z.number(), byKind: StatusCounts, byStatus: StatusCounts, escalated: z.number(), averageRating: z.number().nullable() }),
  },
  sheets: (r) => [
    {
      key: 'requests',
      title: '群众诉求',
      percent: [],
      headers: [
        '地区编码',
        '地区',
        ...REQUEST_KINDS.map((k) => KIND_LABELS[k]),
        '合计',
        ...REQUEST_STATUSES.map((s) => STATUS_LABELS[s]),
        '转镇街',
        '评价数',
        '平均满意度',
      ],
      rows: r.areas.map((a) => [
        a.code,
        a.name,
        ...REQUEST_KINDS.map((k) => a.requests.byKind[k]),
        a.requests.total,
        ...REQUEST_STATUSES.map((s) => a.requests.byStatus[s]),
        a.requests.escalated,
        a.requests.rated,
        a.requests.averageRating,
      ]),
    },
  ],
  overview: { clauses: (a) => [`群众诉求 ${a.requests.total} 件`] },
};
