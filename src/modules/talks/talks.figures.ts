import type { Model, Types } from 'mongoose';
import type { AppContext } from '../../context';
import { addOnPath, emptyFigures, figure, type FigureScope } from '../../lib/area-figures';
import { Attendance, Feedback, Registrations, Talks, TALK_KINDS } from './talks.model';

/** A figure per session, from the database: one row per session. */
const perTalk = async (model: Model<any>, match: Record<string, unknown>, sum?: string) => {
  const out = new Map<string, number>();
  const rows = model.aggregate<{ _id: Types.ObjectId; n: number }>([
    { $match: match },
    { $group: { _id: '$talkId', n: sum ? { $sum: `$${sum}` } : { $sum: 1 } } },
  ]).cursor();
  for await (const r of rows) out.set(String(r._id), r.n);
  return out;
};

/**
 * Sessions held in the year (published, closed or finished, started by now) by kind, and for them the
 * confirmed sign-ups, attendance, no-shows and feedback, all counted for the area where the session was held.
 * A session's no-shows are its confirmed sign-ups minus its check-ins (never below zero).
 */
export async function talkFigures(app: AppContext, s: FigureScope) {
  const end = s.to < s.now ? s.to : s.now;
  const held = await Talks(app.db)
    .find({ areaPath: s.root, status: { $in: ['published', 'closed', 'finished'] }, startAt: { $gte: s.from, $lt: end } }, { kind: 1, areaPath: 1 })
    .lean();
  const ids = held.map((t) => t._id);
  const inHeld = { talkId: { $in: ids } };
  const [signUps, attended, ratings, ratingSum] = await Promise.all([
    perTalk(Registrations(app.db), { ...inHeld, status: 'confirmed' }),
    perTalk(Attendance(app.db), inHeld),
    perTalk(Feedback(app.db), inHeld),
    perTalk(Feedback(app.db), inHeld, 'rating'),
  ]);
  const f = emptyFigures(s.codes);
  for (const t of held) {
    const id = String(t._id);
    const confirmed = signUps.get(id) ?? 0;
    const came = attended.get(id) ?? 0;
    addOnPath(f, t.areaPath, `kind:${t.kind}`, 1);
    addOnPath(f, t.areaPath, 'held', 1);
    addOnPath(f, t.areaPath, 'signUps', confirmed);
    addOnPath(f, t.areaPath, 'attended', came);
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
