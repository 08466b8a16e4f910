import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { addOnPath, emptyFigures, figure, type FigureScope } from '../../lib/area-figures';
import { shanghaiDay } from '../../lib/shanghai';
import { COUNTED_MODES } from './participation.service';
import { foldParticipations } from './leaderboard.service';
import { Contests, Participations, Submissions } from './quiz.model';

/** A resident is health-literate when they score at least this on the standard paper (national monitoring). */
export const LITERATE_SCORE = 80;

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
 * (from their participation records: one per resident and village, so one who moved counts in both), their
 * submissions and the sum of their scores; and the literacy rounds (assessment contests) that started in the
 * year and concern the root area (covering it or inside it), oldest first, with takers and literate residents.
 * Only assessment submissions count for literacy: one per resident and round (its single attempt slot), so
 * takers are residents.
 *
 * Two streamed passes reading a few fields — the participations, then the year's submissions once for every
 * figure — rather than `$group`s: the test server compares each document with every group found so far, and
 * computes one accumulator per stage, so grouping a year of submissions per village costs far more than
 * reading them.
 */
export async function quizYearFigures(app: AppContext, s: FigureScope & { rootPath: readonly string[] }) {
  const year = Number(shanghaiDay(s.from).slice(0, 4));
  const rounds = await Contests(app.db)
    .find({ kind: 'assessment', status: { $ne: 'draft' }, startAt: { $gte: s.from, $lt: s.to } }, { title: 1, areaCode: 1, areaPath: 1, startAt: 1, endAt: 1 })
    .sort({ startAt: 1, _id: 1 })
    .lean();
  const related = rounds.filter((c) => c.areaPath.includes(s.root) || s.rootPath.includes(c.areaCode));
  const perRound = new Map(related.map((c) => [String(c._id), emptyFigures(s.codes)]));
  const f = emptyFigures(s.codes);

  await foldParticipations(app); // those the worker has not folded yet count too
  const participations = Participations(app.db).find({ year, areaPath: s.root }, { _id: 0, areaPath: 1 }).lean().cursor({ batchSize: 5000 });
  for await (const p of participations) addOnPath(f, p.areaPath, 'participants', 1);

  const inYear = { mode: { $in: COUNTED_MODES }, submittedAt: { $gte: s.from, $lt: s.to } };
  const match = related.length ? { areaPath: s.root, $or: [inYear, { mode: 'contest', contestId: { $in: related.map((c) => c._id) } }] } : { areaPath: s.root, ...inYear };
  const rows = Submissions(app.db).find(match, { _id: 0, areaPath: 1, mode: 1, score: 1, submittedAt: 1, contestId: 1 }).lean().cursor({ batchSize: 5000 });
  for await (const r of rows as AsyncIterable<{ areaPath: string[]; mode: string; score: number; submittedAt: Date; contestId?: Types.ObjectId }>) {
    if (COUNTED_MODES.includes(r.mode) && r.submittedAt >= s.from && r.submittedAt < s.to) {
      addOnPath(f, r.areaPath, 'submissions', 1);
      addOnPath(f, r.areaPath, 'scoreSum', r.score);
    }
    const round = r.mode === 'contest' && r.contestId ? perRound.get(String(r.contestId)) : undefined;
    if (round) {
      addOnPath(round, r.areaPath, 'takers', 1);
      if (r.score >= LITERATE_SCORE) addOnPath(round, r.areaPath, 'literate', 1);
    }
  }

  return {
    quiz: new Map(s.codes.map((c) => [c, { participants: figure(f, c, 'participants'), submissions: figure(f, c, 'submissions'), scoreSum: figure(f, c, 'scoreSum') }])),
    rounds: related.map((c): RoundFigures => {
      const rf = perRound.get(String(c._id))!;
      return {
        contestId: String(c._id), title: c.title, areaCode: c.areaCode, startAt: c.startAt, endAt: c.endAt,
        byArea: new Map(s.codes.map((code) => [code, { takers: figure(rf, code, 'takers'), literate: figure(rf, code, 'literate') }])),
      };
    }),
  };
}
