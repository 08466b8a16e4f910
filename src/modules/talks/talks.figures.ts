import type { Model, Types } from 'mongoose';
import type { AppContext } from '../../context';
import { addOnPath, emptyFigures, figure, type FigureScope } from '../../lib/area-figures';
import { Attendance, Feedback, Registrations, Talks, TALK_KINDS, WalkIns } from './talks.model';

/** A figure per session, from the database: one row per session. */
const perTalk = async (model: Model<any>, match: Record<string, unknown>) => {
  const out = new Map<string, number>();
  const rows = model.aggregate<{ _id: Types.ObjectId; n: number }>([
    { $match: match },
    { $group: { _id: '$talkId', n: { $sum: 1 } } },
  ]).cursor();
  for await (const r of rows) out.set(String(r._id), r.n);
  return out;
};

/** Feedback count and rating sum per session in one pass: the rating rides in the group key. */
async function feedbackPerTalk(app: AppContext, match: Record<string, unknown>) {
  const ratings = new Map<string, number>();
  const ratingSum = new Map<string, number>();
  const rows = Feedback(app.db).aggregate<{ _id: { t: Types.ObjectId; r: number }; n: number }>([
    { $match: match },
    { $group: { _id: { t: '$talkId', r: '$rating' }, n: { $sum: 1 } } },
  ]).cursor();
  for await (const row of rows) {
    const id = String(row._id.t);
    ratings.set(id, (ratings.get(id) ?? 0) + row.n);
    ratingSum.set(id, (ratingSum.get(id) ?? 0) + row.n * row._id.r);
  }
  return { ratings, ratingSum };
}

/**
 * Sessions held in the year (published, closed or finished, started by now) by kind, and for them the
 * confirmed sign-ups, attendance, no-shows and feedback, all counted for the area where the session was held.
 * A session's no-shows are its confirmed sign-ups minus their check-ins (never below zero); walk-ins count as attended.
 */
export async function talkFigures(app: AppContext, s: FigureScope) {
  const end = s.to < s.now ? s.to : s.now;
  const held = await Talks(app.db)
    .find({ areaPath: s.root, status: { $in: ['published', 'closed', 'finished'] }, startAt: { $gte: s.from, $lt: end } }, { kind: 1, areaPath: 1 })
    .lean();
  // Figures per session are grouped over a time window, not matched with `talkId: {$in: [...]}`: the test
  // server evaluates $in against every id for every document, which over a year of sessions costs minutes.
  // Rows of sessions not held in the area are dropped below. Sign-ups open at most a quarter before.
  const signupWindow = { $gte: new Date(s.from.getTime() - 90 * 86_400_000), $lt: end };
  const [signUps, attended, walkIns, feedback] = await Promise.all([
    perTalk(Registrations(app.db), { status: 'confirmed', createdAt: signupWindow }),
    perTalk(Attendance(app.db), { at: { $gte: s.from, $lt: s.to } }),
    perTalk(WalkIns(app.db), { at: { $gte: s.from, $lt: s.to } }),
    feedbackPerTalk(app, { at: { $gte: s.from, $lt: s.to } }),
  ]);
  const { ratings, ratingSum } = feedback;
  const f = emptyFigures(s.codes);
  for (const t of held) {
    const id = String(t._id);
    const confirmed = signUps.get(id) ?? 0;
    const came = attended.get(id) ?? 0;
    addOnPath(f, t.areaPath, `kind:${t.kind}`, 1);
    addOnPath(f, t.areaPath, 'held', 1);
    addOnPath(f, t.areaPath, 'signUps', confirmed);
    // Walk-ins came without signing up: they add to attendance, never to no-shows.
    addOnPath(f, t.areaPath, 'attended', came + (walkIns.get(id) ?? 0));
    addOnPath(f, t.areaPath, 'noShow', Math.max(0, confirmed - came));
    addOnPath(f, t.areaPath, 'ratings', ratings.get(id) ?? 0);
    addOnPath(f, t.areaPath, 'ratingSum', ratingSum.get(id) ?? 0);
  }
  return new Map(s.codes.map((c) => [c, {
    held: figure(f, c, 'held'),
    byKind: Object.fromEntries(TALK_KINDS.map((k) => [k, figure(f, c, `kind:${k}`)])) as Record<(typeof TALK_KINDS)[number], number>,
    signUps: figure(f, c, 'signUps'),
    attended: figure(f, c, 'attended'),
    noShow: figure(f, c, 'noShow'),
    ratings: figure(f, c, 'ratings'),
    ratingSum: figure(f, c, 'ratingSum'),
  }]));
}
