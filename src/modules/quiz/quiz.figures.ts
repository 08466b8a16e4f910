import type { AppContext } from '../../context';
import { z } from '../../http/zod';
import { addOnPath, emptyFigures, figure, percentText, cellText, r2, r4, ratio, type FigureScope } from '../../lib/area-figures';
import { change, proportion, TARGETS, type Proportion } from '../../lib/literacy';
import { shanghaiDay } from '../../lib/shanghai';
import type { RoundRow, YearRow } from './figures.model';
import { readQuizFigures, roundDocId, yearDocId } from './participation.service';
import type { FigureSection } from '../module';
import { Contests } from './quiz.model';

export interface RoundFigures {
  contestId: string;
  title: string;
  areaCode: string;
  /** The round's area and those above it. */
  areaPath: string[];
  startAt: Date;
  endAt: Date;
  /** Per area: residents who took the round and those who scored at least LITERATE_SCORE. */
  byArea: Map<string, { takers: number; literate: number }>;
}

/**
 * The quiz's share of the yearly report, per area: residents who answered a daily quiz or a contest in the year
 * (one participation per resident and village, so one who moved counts in both), their submissions and the
 * sum of their scores; and the literacy rounds (assessment contests) that started in the year and concern the
 * root area (covering it or inside it), oldest first, with takers and literate residents. Only assessment
 * submissions count for literacy: one per resident and round (its single attempt slot), so takers are residents.
 *
 * Read from the figure documents the fold keeps (one per year and per round, a row per village path), after
 * folding what is waiting: a few hundred rows, however many submissions the year holds.
 */
export async function quizYearFigures(app: AppContext, s: FigureScope & { rootPath: readonly string[] }) {
  const year = Number(shanghaiDay(s.from).slice(0, 4));
  const rounds = await Contests(app.db)
    .find({ kind: 'assessment', status: { $ne: 'draft' }, startAt: { $gte: s.from, $lt: s.to } }, { title: 1, areaCode: 1, areaPath: 1, startAt: 1, endAt: 1 })
    .sort({ startAt: 1, _id: 1 })
    .lean();
  const related = rounds.filter((c) => c.areaPath.includes(s.root) || s.rootPath.includes(c.areaCode));
  const docs = await readQuizFigures(
    app,
    year,
    related.map((c) => c._id),
  );
  const f = emptyFigures(s.codes);
  for (const r of (docs.get(yearDocId(year))?.rows ?? []) as YearRow[]) {
    addOnPath(f, r.areaPath, 'participants', r.participants);
    addOnPath(f, r.areaPath, 'submissions', r.submissions);
    addOnPath(f, r.areaPath, 'scoreSum', r.scoreSum);
  }
  return {
    quiz: new Map(
      s.codes.map((c) => [c, { participants: figure(f, c, 'participants'), submissions: figure(f, c, 'submissions'), scoreSum: figure(f, c, 'scoreSum') }]),
    ),
    rounds: related.map((c): RoundFigures => {
      const rf = emptyFigures(s.codes);
      for (const r of (docs.get(roundDocId(c._id))?.rows ?? []) as RoundRow[]) {
        addOnPath(rf, r.areaPath, 'takers', r.takers);
        addOnPath(rf, r.areaPath, 'literate', r.literate);
      }
      return {
        contestId: String(c._id),
        title: c.title,
        areaCode: c.areaCode,
        areaPath: c.areaPath,
        startAt: c.startAt,
        endAt: c.endAt,
        byArea: new Map(s.codes.map((code) => [code, { takers: figure(rf, code, 'takers'), literate: figure(rf, code, 'literate') }])),
      };
    }),
  };
}

const roundProportion = (p: Proportion) => ({ ...p, p: r4(p.p), low: r4(p.low), high: r4(p.high) });

/** A round held for a part of the area only (one town's own round, for the district), not for the whole of it. */
const narrower = (rd: RoundFigures, code: string): boolean => rd.areaCode !== code && rd.areaPath.includes(code);

/**
 * Literacy of one area: each round, and its headline — the latest round it took part in and the change from its
 * first — from the rounds held for the whole area (its own or an area's above it): a sample of one town does not
 * stand for the district.
 */
function literacyOf(code: string, rounds: RoundFigures[]) {
  const per = rounds.map((rd) => {
    const f = rd.byArea.get(code) ?? { takers: 0, literate: 0 };
    return { contestId: rd.contestId, ...roundProportion(proportion(f.literate, f.takers)) };
  });
  const taken = per.filter((x, i) => x.n > 0 && !narrower(rounds[i]!, code));
  const first = taken[0];
  const latest = taken[taken.length - 1];
  const ch = first && latest && first !== latest ? change(proportion(first.x, first.n), proportion(latest.x, latest.n)) : null;
  return {
    rounds: per,
    latest: latest ?? null,
    change:
      ch && first && latest
        ? { fromContestId: first.contestId, toContestId: latest.contestId, diff: r4(ch.diff), low: r4(ch.low), high: r4(ch.high), tooSmall: ch.tooSmall }
        : null,
  };
}

type Literacy = ReturnType<typeof literacyOf>;
type LiteracyRound = Literacy['rounds'][number];

const Prop = { n: z.number(), x: z.number(), p: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable(), tooSmall: z.boolean() };
const Round = z.object({ contestId: z.string(), ...Prop });
const QuizRow = z.object({ participants: z.number(), participation: z.number().nullable(), submissions: z.number(), averageScore: z.number().nullable() });

/**
 * Health quiz and health-literacy level: participation per area (over the residents registered, whose section
 * comes first), the literacy rounds with Wilson intervals, the change between an area's first and latest round,
 * and the reference lines.
 */
export const quizFigureSection: FigureSection<Awaited<ReturnType<typeof quizYearFigures>>> = {
  order: 20,
  // The quiz's figures and the literacy rounds come from one pass over the year's figure documents.
  figures: (app, q) => quizYearFigures(app, { ...q, rootPath: q.shown.find((a) => a.code === q.root)?.path ?? [q.root] }),
  row: ({ quiz, rounds }, code, row) => {
    const qz = quiz.get(code)!;
    return {
      quiz: {
        participants: qz.participants,
        participation: ratio(qz.participants, row.residents.registered),
        submissions: qz.submissions,
        averageScore: qz.submissions ? r2(qz.scoreSum / qz.submissions) : null,
      },
      literacy: literacyOf(code, rounds),
    };
  },
  rowShape: {
    quiz: QuizRow,
    literacy: z.object({
      rounds: z.array(Round),
      latest: Round.nullable(),
      change: z
        .object({
          fromContestId: z.string(),
          toContestId: z.string(),
          diff: z.number().nullable(),
          low: z.number().nullable(),
          high: z.number().nullable(),
          tooSmall: z.boolean(),
        })
        .nullable(),
    }),
  },
  head: ({ rounds }) => ({
    targets: TARGETS.map((t) => ({ ...t })),
    rounds: rounds.map((rd) => ({
      contestId: rd.contestId,
      title: rd.title,
      areaCode: rd.areaCode,
      startAt: rd.startAt.toISOString(),
      endAt: rd.endAt.toISOString(),
    })),
  }),
  headShape: {
    targets: z.array(z.object({ key: z.string(), label: z.string(), value: z.number() })),
    rounds: z.array(z.object({ contestId: z.string(), title: z.string(), areaCode: z.string(), startAt: z.string(), endAt: z.string() })),
  },
  dashboard: (r) => ({
    quiz: { participants: r.quiz.participants, participation: r.quiz.participation, submissions: r.quiz.submissions, averageScore: r.quiz.averageScore },
  }),
  dashboardShape: { quiz: QuizRow },
  sheets: (r) => {
    const rounds = new Map((r.rounds as Array<{ contestId: string; title: string }>).map((x) => [x.contestId, x.title]));
    const yes = (b: boolean) => (b ? '是' : '否');
    const roundRow = (a: { code: string; name: string }, x: LiteracyRound) => [
      a.code,
      a.name,
      rounds.get(x.contestId) ?? x.contestId,
      x.n,
      x.x,
      x.p,
      x.low,
      x.high,
      yes(x.tooSmall),
    ];
    return [
      {
        key: 'quiz',
        title: '健康答题',
        percent: [3],
        headers: ['地区编码', '地区', '参与居民', '参与率', '答题次数', '平均分'],
        rows: r.areas.map((a) => [a.code, a.name, a.quiz.participants, a.quiz.participation, a.quiz.submissions, a.quiz.averageScore]),
        note: '参与率 = 年内答过每日答题或竞赛的居民 ÷ 登记居民；专题练习和错题练习不计。',
      },
      {
        key: 'literacy',
        title: '健康素养水平',
        percent: [5, 6, 7],
        headers: ['地区编码', '地区', '测评轮次', '参测人数', '具备素养人数', '素养水平', '95%区间下限', '95%区间上限', '样本不足（<30）'],
        rows: r.areas.flatMap((a) => (a.literacy as Literacy).rounds.map((x) => roundRow(a, x))),
        note: '具备健康素养：标准测评卷得分 ≥ 80 分；区间为 Wilson 95% 置信区间。练习和普通竞赛不计入。',
        printed: {
          rows: r.areas.flatMap((a, i) => (a.literacy as Literacy).rounds.filter((x) => i === 0 || x.n > 0).map((x) => roundRow(a, x))),
          note: '未参测的下级地区不列出，见工作簿。',
        },
      },
      {
        key: 'literacyChange',
        title: '健康素养变化（前后对比）',
        percent: [4, 5, 6],
        headers: ['地区编码', '地区', '对比前', '对比后', '变化', '95%区间下限', '95%区间上限', '样本不足'],
        rows: r.areas
          .filter((a) => a.literacy.change)
          .map((a) => {
            const c = (a.literacy as Literacy).change!;
            return [
              a.code,
              a.name,
              rounds.get(c.fromContestId) ?? c.fromContestId,
              rounds.get(c.toContestId) ?? c.toContestId,
              c.diff,
              c.low,
              c.high,
              yes(c.tooSmall),
            ];
          }),
        note: '变化 = 后一轮水平 − 前一轮水平；区间为 Newcombe 混合 Wilson 法（两轮视为独立样本）。',
      },
      {
        key: 'targets',
        title: '目标线',
        percent: [1],
        headers: ['参考线', '数值'],
        rows: (r.targets as Array<{ label: string; value: number }>).map((t) => [t.label, t.value]),
      },
    ];
  },
  overview: {
    clauses: (a) => {
      const lit = (a.literacy as Literacy).latest;
      return [
        `${a.quiz.participants} 名居民参加健康答题（参与率 ${percentText(a.quiz.participation)}），平均分 ${cellText(a.quiz.averageScore)}`,
        lit
          ? `最近一轮健康素养测评参测 ${lit.n} 人，素养水平 ${percentText(lit.p)}（95%区间 ${percentText(lit.low)}–${percentText(lit.high)}）${lit.tooSmall ? '，样本不足 30 人，仅供参考' : ''}`
          : '本年度未开展健康素养测评',
      ];
    },
  },
};
