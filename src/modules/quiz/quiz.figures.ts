import type { AppContext } from '../../context';
import { addOnPath, emptyFigures, figure, figuresByArea, type FigureScope } from '../../lib/area-figures';
import { Contests, Submissions } from './quiz.model';

/** A resident is health-literate when they score at least this on the standard paper (national monitoring). */
export const LITERATE_SCORE = 80;

/** Quizzes that show how residents take part: the daily quiz and contests (topic and wrong-book practice do not). */
const COUNTED_MODES = ['daily', 'contest'];

/** Residents who submitted a quiz in the year, submissions and the sum of their scores, per area. */
export async function quizFigures(app: AppContext, s: FigureScope) {
  const match = { mode: { $in: COUNTED_MODES }, submittedAt: { $gte: s.from, $lt: s.to } };
  const subs = Submissions(app.db);
  const [count, scores] = await Promise.all([
    figuresByArea(subs, s.root, s.codes, { match }),
    figuresByArea(subs, s.root, s.codes, { match, sum: 'score' }),
  ]);
  // Distinct residents: one row per (village path, resident) from the database, counted here as it streams.
  const participants = emptyFigures(s.codes);
  const rows = subs.aggregate<{ _id: { p: string[] } }>([
    { $match: { ...match, areaPath: s.root } },
    { $group: { _id: { p: '$areaPath', r: '$residentId' }, n: { $sum: 1 } } },
  ]).cursor();
  for await (const row of rows) addOnPath(participants, row._id.p ?? [], '', 1);
  return new Map(s.codes.map((c) => [c, { participants: figure(participants, c), submissions: figure(count, c), scoreSum: figure(scores, c) }]));
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
 * one per resident and round (the round's single attempt slot), so takers are residents.
 */
export async function literacyRounds(app: AppContext, s: FigureScope & { rootPath: readonly string[] }): Promise<RoundFigures[]> {
  const rounds = await Contests(app.db)
    .find({ kind: 'assessment', status: { $ne: 'draft' }, startAt: { $gte: s.from, $lt: s.to } }, { title: 1, areaCode: 1, areaPath: 1, startAt: 1, endAt: 1 })
    .sort({ startAt: 1, _id: 1 })
    .lean();
  const related = rounds.filter((c) => c.areaPath.includes(s.root) || s.rootPath.includes(c.areaCode));
  return Promise.all(related.map(async (c) => {
    const match = { contestId: c._id, mode: 'contest' };
    const [takers, literate] = await Promise.all([
      figuresByArea(Submissions(app.db), s.root, s.codes, { match }),
      figuresByArea(Submissions(app.db), s.root, s.codes, { match: { ...match, score: { $gte: LITERATE_SCORE } } }),
    ]);
    return {
      contestId: String(c._id), title: c.title, areaCode: c.areaCode, startAt: c.startAt, endAt: c.endAt,
      byArea: new Map(s.codes.map((code) => [code, { takers: figure(takers, code), literate: figure(literate, code) }])),
    };
  }));
}
