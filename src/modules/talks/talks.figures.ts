import type { Model, Types } from 'mongoose';
import type { AppContext } from '../../context';
import { talkKind } from '../../dictionaries';
import { z } from '../../http/zod';
import { addOnPath, emptyFigures, figure, r2, ratio, type FigureScope } from '../../lib/area-figures';
import type { FigureSection } from '../module';
import { Attendance, Feedback, Registrations, Talks, TALK_KINDS, WalkIns } from './talks.model';

/**
 * Documents per session, and optionally the sum of a numeric field, from one streamed pass reading only the
 * session id (and that field). Not a `$group` on the session id: the test server looks groups up one by one,
 * which over a year's sessions costs far more than reading the small documents.
 */
async function perTalk(model: Model<any>, match: Record<string, unknown>, sumField?: string) {
  const count = new Map<string, number>();
  const sum = new Map<string, number>();
  const rows = model
    .find(match, { _id: 0, talkId: 1, ...(sumField ? { [sumField]: 1 } : {}) })
    .lean()
    .cursor({ batchSize: 5000 });
  for await (const r of rows as AsyncIterable<Record<string, unknown> & { talkId: Types.ObjectId }>) {
    const id = String(r.talkId);
    count.set(id, (count.get(id) ?? 0) + 1);
    if (sumField) sum.set(id, (sum.get(id) ?? 0) + Number(r[sumField] ?? 0));
  }
  return { count, sum };
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
  const [{ count: signUps }, { count: attended }, { count: walkIns }, { count: ratings, sum: ratingSum }] = await Promise.all([
    perTalk(Registrations(app.db), { status: 'confirmed', createdAt: signupWindow }),
    perTalk(Attendance(app.db), { at: { $gte: s.from, $lt: s.to } }),
    perTalk(WalkIns(app.db), { at: { $gte: s.from, $lt: s.to } }),
    perTalk(Feedback(app.db), { at: { $gte: s.from, $lt: s.to } }, 'rating'),
  ]);
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
  return new Map(
    s.codes.map((c) => [
      c,
      {
        held: figure(f, c, 'held'),
        byKind: Object.fromEntries(TALK_KINDS.map((k) => [k, figure(f, c, `kind:${k}`)])) as Record<(typeof TALK_KINDS)[number], number>,
        signUps: figure(f, c, 'signUps'),
        attended: figure(f, c, 'attended'),
        noShow: figure(f, c, 'noShow'),
        ratings: figure(f, c, 'ratings'),
        ratingSum: figure(f, c, 'ratingSum'),
      },
    ]),
  );
}

/** The kinds of session as the report names them. */
const KIND_LABELS = talkKind.labels;

/** Sessions held by kind, sign-ups, attendance, no-shows and feedback. */
export const talkFigureSection: FigureSection<Awaited<ReturnType<typeof talkFigures>>> = {
  order: 30,
  figures: talkFigures,
  row: (f, code) => {
    const tk = f.get(code)!;
    return {
      talks: {
        held: tk.held,
        byKind: tk.byKind,
        signUps: tk.signUps,
        attended: tk.attended,
        noShow: tk.noShow,
        noShowRate: ratio(tk.noShow, tk.signUps),
        feedbackCount: tk.ratings,
        feedbackAverage: tk.ratings ? r2(tk.ratingSum / tk.ratings) : null,
      },
    };
  },
  rowShape: {
    talks: z.object({
      held: z.number(),
      byKind: z.record(z.string(), z.number()),
      signUps: z.number(),
      attended: z.number(),
      noShow: z.number(),
      noShowRate: z.number().nullable(),
      feedbackCount: z.number(),
      feedbackAverage: z.number().nullable(),
    }),
  },
  dashboard: (r) => ({ talks: { held: r.talks.held, signUps: r.talks.signUps, attended: r.talks.attended } }),
  dashboardShape: { talks: z.object({ held: z.number(), signUps: z.number(), attended: z.number() }) },
  sheets: (r) => {
    const kinds = Object.keys(KIND_LABELS) as Array<keyof typeof KIND_LABELS>;
    return [
      {
        key: 'talks',
        title: '讲座与筛查',
        percent: [11],
        headers: ['地区编码', '地区', ...kinds.map((k) => KIND_LABELS[k]), '合计场次', '报名', '签到', '未到', '未到率', '评价数', '平均评分'],
        rows: r.areas.map((a) => [
          a.code,
          a.name,
          ...kinds.map((k) => a.talks.byKind[k]),
          a.talks.held,
          a.talks.signUps,
          a.talks.attended,
          a.talks.noShow,
          a.talks.noShowRate,
          a.talks.feedbackCount,
          a.talks.feedbackAverage,
        ]),
      },
    ];
  },
  overview: { clauses: (a) => [`举办讲座、筛查等活动 ${a.talks.held} 场，报名 ${a.talks.signUps} 人次，签到 ${a.talks.attended} 人次`] },
};
