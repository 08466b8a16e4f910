import type { AppContext } from '../../context';
import { addOnPath, emptyFigures, figure, type AreaFigures, type FigureScope } from '../../lib/area-figures';
import { Contests, Submissions } from './quiz.model';

/** A resident is health-literate when they score at least this on the standard paper (national monitoring). */
export const LITERATE_SCORE = 80;

/** Quizzes that show how residents take part: the daily quiz and contests (topic and wrong-book practice do not). */
const COUNTED_MODES = ['daily', 'contest'];

/**
 * Residents who submitted a quiz in the year, their submissions and the sum of their scores, per area — from
 * one pass over the submissions: the database groups them by (village path, resident, score), which gives
 * all three (FerretDB 1.24 computes one accumulator per `$group`, so the score rides in the key).
 */
export async function quizFigures(app: AppContext, s: FigureScope) {
  const f = emptyFigures(s.codes);
  const rows = Submissions(app.db).aggregate<{ _id: { p?: string[]; r: unknown; s: number }; n: number }>([
    { $match: { mode: { $in: COUNTED_MODES }, submittedAt: { $gte: s.from, $lt: s.to }, areaPath: s.root } },
    { $group: { _id: { p: '$areaPath', r: '$residentId', s: '$score' }, n: { $sum: 1 } } },
  ]).cursor();
  const seen = new Set<string>();
  for await (const row of rows) {
    const path = row._id.p ?? [];
    // One key per resident and village: a resident who moved village counts in both.
    const key = `${String(row._id.r)}|${path[path.length - 1] ?? ''}`;
    if (!seen.has(key)) {
      seen.add(key);
      addOnPath(f, path, 'participants', 1);
    }
    addOnPath(f, path, 'submissions', row.n);
    addOnPath(f, path, 'scoreSum', row.n * row._id.s);
  }
  return new Map(s.codes.map((c) => [c, { participants: figure(f, c, 'participants'), submissions: figure(f, c, 'submissions'), scoreSum: figure(f, c, 'scoreSum') }]));
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
 * one per resident and round (the round's single attempt slot), so takers are residents. One pass: grouped
 * by (round, village path, score).
 */
export async function literacyRounds(app: AppContext, s: FigureScope & { rootPath: readonly string[] }): Promise<RoundFigures[]> {
  const rounds = await Contests(app.db)
    .find({ kind: 'assessment', status: { $ne: 'draft' }, startAt: { $gte: s.from, $lt: s.to } }, { title: 1, areaCode: 1, areaPath: 1, startAt: 1, endAt: 1 })
    .sort({ startAt: 1, _id: 1 })
    .lean();
  const related = rounds.filter((c) => c.areaPath.includes(s.root) || s.rootPath.includes(c.areaCode));
  const per = new Map<string, AreaFigures>(related.map((c) => [String(c._id), emptyFigures(s.codes)]));
  if (related.length) {
    const rows = Submissions(app.db).aggregate<{ _id: { c: unknown; p?: string[]; s: number }; n: number }>([
      { $match: { contestId: { $in: related.map((c) => c._id) }, mode: 'contest', areaPath: s.root } },
      { $group: { _id: { c: '$contestId', p: '$areaPath', s: '$score' }, n: { $sum: 1 } } },
    ]).cursor();
    for await (const row of rows) {
      const f = per.get(String(row._id.c));
      if (!f) continue;
      addOnPath(f, row._id.p ?? [], 'takers', row.n);
      if (row._id.s >= LITERATE_SCORE) addOnPath(f, row._id.p ?? [], 'literate', row.n);
    }
  }
  return related.map((c) => {
    const f = per.get(String(c._id))!;
    return {
      contestId: String(c._id), title: c.title, areaCode: c.areaCode, startAt: c.startAt, endAt: c.endAt,
      byArea: new Map(s.codes.map((code) => [code, { takers: figure(f, code, 'takers'), literate: figure(f, code, 'literate') }])),
    };
  });
}
