import type { AppContext } from '../../context';
import { emptyFigures, figure, figuresByArea, type FigureScope } from '../../lib/area-figures';
import { shanghaiDay } from '../../lib/shanghai';
import { COUNTED_MODES } from './participation.service';
import { Contests, Participations, Submissions } from './quiz.model';

/** A resident is health-literate when they score at least this on the standard paper (national monitoring). */
export const LITERATE_SCORE = 80;

/**
 * Residents who answered a daily quiz or a contest in the year (from their participation records: one per
 * resident and village, so one who moved village counts in both), their submissions and the sum of their
 * scores, per area. Each figure is its own pass grouped on the village path alone — a few hundred groups;
 * FerretDB 1.24 computes one accumulator per `$group` and looks groups up one by one, so keys stay small.
 */
export async function quizFigures(app: AppContext, s: FigureScope) {
  const year = Number(shanghaiDay(s.from).slice(0, 4));
  const match = { mode: { $in: COUNTED_MODES }, submittedAt: { $gte: s.from, $lt: s.to } };
  const [participants, submissions, scoreSum] = await Promise.all([
    figuresByArea(Participations(app.db), s.root, s.codes, { match: { year } }),
    figuresByArea(Submissions(app.db), s.root, s.codes, { match }),
    figuresByArea(Submissions(app.db), s.root, s.codes, { match, sum: 'score' }),
  ]);
  return new Map(s.codes.map((c) => [c, { participants: figure(participants, c), submissions: figure(submissions, c), scoreSum: figure(scoreSum, c) }]));
}

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
 * Literacy rounds (assessment contests) that started in the year and concern the root area (covering it or
 * inside it), oldest first, with takers and literate residents per area. Only assessment submissions count:
 * one per resident and round (the round's single attempt slot), so takers are residents. Two passes (takers,
 * and those at LITERATE_SCORE or above), each grouped by (round, village path).
 */
export async function literacyRounds(app: AppContext, s: FigureScope & { rootPath: readonly string[] }): Promise<RoundFigures[]> {
  const rounds = await Contests(app.db)
    .find({ kind: 'assessment', status: { $ne: 'draft' }, startAt: { $gte: s.from, $lt: s.to } }, { title: 1, areaCode: 1, areaPath: 1, startAt: 1, endAt: 1 })
    .sort({ startAt: 1, _id: 1 })
    .lean();
  const related = rounds.filter((c) => c.areaPath.includes(s.root) || s.rootPath.includes(c.areaCode));
  const match = { contestId: { $in: related.map((c) => c._id) }, mode: 'contest' };
  const [takers, literate] = related.length
    ? await Promise.all([
      figuresByArea(Submissions(app.db), s.root, s.codes, { match, by: 'contestId' }),
      figuresByArea(Submissions(app.db), s.root, s.codes, { match: { ...match, score: { $gte: LITERATE_SCORE } }, by: 'contestId' }),
    ])
    : [emptyFigures(s.codes), emptyFigures(s.codes)];
  return related.map((c) => {
    const id = String(c._id);
    return {
      contestId: String(c._id), title: c.title, areaCode: c.areaCode, startAt: c.startAt, endAt: c.endAt,
      byArea: new Map(s.codes.map((code) => [code, { takers: figure(takers, code, id), literate: figure(literate, code, id) }])),
    };
  });
}
