import type { AppContext } from '../../context';
import { z } from '../../http/zod';
import { figure, figuresByArea, r2, ratio } from '../../lib/area-figures';
import type { FigureRequest, FigureSection } from '../module';
import { Questions } from './consult.model';

/** Questions asked in the year per area (refused ones left out), answered, answered on time, hours to answer, ratings. */
export async function consultFigures(app: AppContext, s: FigureRequest) {
  const asked = { createdAt: { $gte: s.from, $lt: s.to }, status: { $nin: ['refused', 'checking'] } };
  const count = (match: Record<string, unknown>, sum?: string) => figuresByArea(Questions(app.db), s.root, s.codes, { match: { ...asked, ...match }, sum });
  const [all, answered, onTime, hours, rated, ratingSum] = await Promise.all([
    count({}),
    count({ answeredAt: { $exists: true } }),
    count({ onTime: true }),
    count({ answerHours: { $exists: true } }, 'answerHours'),
    count({ rating: { $exists: true } }),
    count({ rating: { $exists: true } }, 'rating'),
  ]);
  return new Map(
    s.codes.map((c) => {
      const a = figure(answered, c);
      const r = figure(rated, c);
      return [
        c,
        {
          asked: figure(all, c),
          answered: a,
          onTime: figure(onTime, c),
          averageHours: a ? r2(figure(hours, c) / a) : null,
          rated: r,
          averageRating: r ? r2(figure(ratingSum, c) / r) : null,
        },
      ];
    }),
  );
}

const Row = z.object({
  asked: z.number(),
  answered: z.number(),
  onTime: z.number(),
  onTimeRate: z.number().nullable(),
  averageHours: z.number().nullable(),
  rated: z.number(),
  averageRating: z.number().nullable(),
});

/** 优生优育咨询: questions asked and answered, on time, hours to answer, ratings. */
export const consultFigureSection: FigureSection<Awaited<ReturnType<typeof consultFigures>>> = {
  order: 70,
  figures: consultFigures,
  row: (f, code) => {
    const c = f.get(code)!;
    return { consult: { ...c, onTimeRate: ratio(c.onTime, c.answered) } };
  },
  rowShape: { consult: Row },
  dashboard: (r) => ({ consult: r.consult }),
  dashboardShape: { consult: Row },
  sheets: (r) => [
    {
      key: 'consult',
      title: '优生优育咨询',
      percent: [5],
      headers: ['地区编码', '地区', '提问', '已回复', '按时回复', '按时率', '平均回复用时（小时）', '评价数', '平均评分'],
      rows: r.areas.map((a) => [
        a.code,
        a.name,
        a.consult.asked,
        a.consult.answered,
        a.consult.onTime,
        a.consult.onTimeRate,
        a.consult.averageHours,
        a.consult.rated,
        a.consult.averageRating,
      ]),
    },
  ],
  overview: { clauses: (a) => [`专家咨询 ${a.consult.asked} 条，已回复 ${a.consult.answered} 条`] },
};
