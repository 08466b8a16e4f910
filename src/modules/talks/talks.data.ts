import type { ResidentDataSection } from '../module';
import { cancelRegistration } from './registrations.service';
import { Attendance, Feedback, Registrations, Talks } from './talks.model';

/** "Export my data" lists sign-ups, attendance and feedback; "erase me" frees live seats and drops comments. */
export const talkResidentData: ResidentDataSection = {
  name: 'talks',
  export: async (app, id) => {
    const regs = await Registrations(app.db).find({ residentId: id }).sort({ _id: 1 }).lean();
    const talks = new Map(
      (
        await Talks(app.db)
          .find({ _id: { $in: regs.map((r) => r.talkId) } }, { title: 1, startAt: 1 })
          .lean()
      ).map((t) => [String(t._id), t]),
    );
    const attended = await Attendance(app.db).find({ residentId: id }).lean();
    const feedback = await Feedback(app.db).find({ residentId: id }).lean();
    return {
      registrations: regs.map((r) => ({
        title: talks.get(String(r.talkId))?.title ?? '',
        startAt: talks.get(String(r.talkId))?.startAt.toISOString() ?? null,
        status: r.status,
        seats: r.seats,
        at: r.createdAt.toISOString(),
      })),
      attendance: attended.map((a) => ({ title: talks.get(String(a.talkId))?.title ?? '', at: a.at.toISOString() })),
      feedback: feedback.map((f) => ({ title: talks.get(String(f.talkId))?.title ?? '', rating: f.rating, comment: f.comment ?? null })),
    };
  },
  erase: async (app, id) => {
    const live = await Registrations(app.db)
      .find({ residentId: id, status: { $in: ['confirmed', 'waitlisted'] } })
      .lean();
    for (const r of live) {
      const talk = await Talks(app.db).findById(r.talkId).lean();
      if (talk) await cancelRegistration(app, talk, r._id, 'resident');
    }
    await Feedback(app.db).updateMany({ residentId: id }, { $unset: { comment: 1 }, $set: { commentState: 'none' } });
  },
};
