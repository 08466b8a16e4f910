import type { AppContext } from '../../context';
import { screeningProgramme } from '../../dictionaries';
import { z } from '../../http/zod';
import { addOnPath, emptyFigures, figure, ratio, type FigureScope } from '../../lib/area-figures';
import type { FigureSection } from '../module';
import { screeningAttendance } from '../talks';
import { PROGRAMMES, ScreeningCases, ScreeningResults, type Programme } from './screenings.model';

const DAY = 86_400_000;
const FIELDS = ['screened', 'entered', 'review', 'abnormal', 'contacted7', 'contacted30', 'referred', 'attendedReferral', 'lost'] as const;
type Field = (typeof FIELDS)[number];
const HEADERS: Record<Field, string> = {
  screened: '到场检查',
  entered: '录入结果',
  review: '需复查',
  abnormal: '异常',
  contacted7: '7 天内联系',
  contacted30: '30 天内联系',
  referred: '已转诊',
  attendedReferral: '转诊后已就诊',
  lost: '失访',
};

/**
 * Per area where the residents live and per programme, in the year: who came to a screening or check-up
 * session (a 两癌 session counts for both cancers), results entered, how many needed a recheck or were abnormal,
 * and of the follow-up cases opened in the year how many were first contacted within 7 and 30 days, referred,
 * went to the referral and were lost. One streamed read of the year's results and one of its cases.
 */
export async function screeningFigures(app: AppContext, s: FigureScope) {
  const f = emptyFigures(s.codes);
  const add = (path: readonly string[], p: Programme, k: Field) => addOnPath(f, path, `${p}:${k}`, 1);
  const [came] = await Promise.all([screeningAttendance(app, s.from, s.to)]);
  for (const a of came) {
    if (!a.areaPath.includes(s.root)) continue;
    for (const p of a.kind === 'checkup' ? (['checkup'] as const) : (['cervical', 'breast'] as const)) add(a.areaPath, p, 'screened');
  }
  for await (const r of ScreeningResults(app.db)
    .find({ areaPath: s.root, enteredAt: { $gte: s.from, $lt: s.to } }, { areaPath: 1, programme: 1, level: 1 })
    .lean()
    .cursor()) {
    add(r.areaPath, r.programme, 'entered');
    if (r.level !== 'normal') add(r.areaPath, r.programme, r.level);
  }
  for await (const c of ScreeningCases(app.db)
    .find(
      { areaPath: s.root, createdAt: { $gte: s.from, $lt: s.to } },
      { areaPath: 1, programme: 1, status: 1, createdAt: 1, contactedAt: 1, referredAt: 1, attendedAt: 1 },
    )
    .lean()
    .cursor()) {
    if (c.contactedAt) {
      const days = (c.contactedAt.getTime() - c.createdAt.getTime()) / DAY;
      if (days <= 7) add(c.areaPath, c.programme, 'contacted7');
      if (days <= 30) add(c.areaPath, c.programme, 'contacted30');
    }
    if (c.referredAt) add(c.areaPath, c.programme, 'referred');
    if (c.referredAt && c.attendedAt) add(c.areaPath, c.programme, 'attendedReferral');
    if (c.status === 'lost') add(c.areaPath, c.programme, 'lost');
  }
  return f;
}

type Counts = Record<Field, number>;
const CountsShape = z.object(Object.fromEntries(FIELDS.map((k) => [k, z.number()])) as Record<Field, z.ZodNumber>);

/** 两癌筛查 and 查体: results and follow-up per programme. */
export const screeningFigureSection: FigureSection<Awaited<ReturnType<typeof screeningFigures>>> = {
  order: 55,
  figures: screeningFigures,
  row: (f, code) => ({
    screenings: Object.fromEntries(PROGRAMMES.map((p) => [p, Object.fromEntries(FIELDS.map((k) => [k, figure(f, code, `${p}:${k}`)])) as Counts])),
  }),
  rowShape: { screenings: z.object(Object.fromEntries(PROGRAMMES.map((p) => [p, CountsShape])) as Record<Programme, typeof CountsShape>) },
  dashboard: (r) => ({
    screenings: PROGRAMMES.map((p) => {
      const c = r.screenings[p] as Counts;
      const followUp = c.review + c.abnormal;
      return { programme: p, label: screeningProgramme.labels[p], ...c, contacted7Rate: ratio(c.contacted7, followUp) };
    }),
  }),
  dashboardShape: {
    screenings: z.array(CountsShape.extend({ programme: z.enum(PROGRAMMES), label: z.string(), contacted7Rate: z.number().nullable() })),
  },
  sheets: (r) => [
    {
      key: 'screenings',
      title: '筛查结果与随访',
      percent: [FIELDS.length + 3],
      headers: ['地区编码', '地区', '项目', ...FIELDS.map((k) => HEADERS[k]), '7 天内联系率'],
      rows: r.areas.flatMap((a) =>
        PROGRAMMES.map((p) => {
          const c = a.screenings[p] as Counts;
          return [a.code, a.name, screeningProgramme.labels[p], ...FIELDS.map((k) => c[k]), ratio(c.contacted7, c.review + c.abnormal)];
        }),
      ),
      note: '需复查和异常的结果都开随访个案；“7 天内联系率”= 7 天内联系 ÷（需复查 + 异常）。未同意录入的居民只有纸质结果，不在“录入结果”中。',
    },
  ],
  overview: {
    clauses: (a) => {
      const total = (k: Field) => PROGRAMMES.reduce((n, p) => n + (a.screenings[p] as Counts)[k], 0);
      return [`筛查和查体录入结果 ${total('entered')} 份，需随访 ${total('review') + total('abnormal')} 份，7 天内联系 ${total('contacted7')} 人`];
    },
  },
};
