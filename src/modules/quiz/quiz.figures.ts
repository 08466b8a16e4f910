import type { AppContext } from '../../context';
import { addOnPath, emptyFigures, figure, type FigureScope } from '../../lib/area-figures';
import { shanghaiDay } from '../../lib/shanghai';
import type { RoundRow, YearRow } from './figures.model';
import { readQuizFigures, roundDocId, yearDocId } from './participation.service';
import { Contests } from './quiz.model';

export interface RoundFigures {
  contestId: string;
  title: string;
  areaCode: string;
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
  const docs = await readQuizFigures(app, year, related.map((c) => c._id));
  const f = emptyFigures(s.codes);
  for (const r of (docs.get(yearDocId(year))?.rows ?? []) as YearRow[]) {
    addOnPath(f, r.areaPath, 'participants', r.participants);
    addOnPath(f, r.areaPath, 'submissions', r.submissions);
    addOnPath(f, r.areaPath, 'scoreSum', r.scoreSum);
  }
  return {
    quiz: new Map(s.codes.map((c) => [c, { participants: figure(f, c, 'participants'), submissions: figure(f, c, 'submissions'), scoreSum: figure(f, c, 'scoreSum') }])),
    rounds: related.map((c): RoundFigures => {
      const rf = emptyFigures(s.codes);
      for (const r of (docs.get(roundDocId(c._id))?.rows ?? []) as RoundRow[]) {
        addOnPath(rf, r.areaPath, 'takers', r.takers);
        addOnPath(rf, r.areaPath, 'literate', r.literate);
      }
      return {
        contestId: String(c._id), title: c.title, areaCode: c.areaCode, startAt: c.startAt, endAt: c.endAt,
        byArea: new Map(s.codes.map((code) => [code, { takers: figure(rf, code, 'takers'), literate: figure(rf, code, 'literate') }])),
      };
    }),
  };
}
