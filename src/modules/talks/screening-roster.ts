import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { Attendance, Experts, Registrations, Talks, type TalkKind } from './talks.model';

/** Kinds of session that end in a result per participant (read by the screenings module). */
export const SCREENING_TALK_KINDS: readonly TalkKind[] = ['screening', 'checkup'];

export interface ScreeningRosterLine {
  registrationId: Types.ObjectId;
  residentId: Types.ObjectId;
  /** The resident's area path. */
  areaPath: string[];
  attended: boolean;
}

/** A session's confirmed registrants and whether each came: two reads by the session's id. */
export async function screeningRoster(app: AppContext, talkId: Types.ObjectId): Promise<ScreeningRosterLine[]> {
  const [regs, came] = await Promise.all([
    Registrations(app.db).find({ talkId, status: 'confirmed' }, { residentId: 1, areaPath: 1 }).sort({ seq: 1, _id: 1 }).lean(),
    Attendance(app.db).find({ talkId }, { residentId: 1 }).lean(),
  ]);
  const attended = new Set(came.map((a) => String(a.residentId)));
  return regs.map((r) => ({ registrationId: r._id, residentId: r.residentId, areaPath: r.areaPath, attended: attended.has(String(r.residentId)) }));
}

/**
 * Registrants who came to a screening or check-up session in [from, to), with the session's kind and the
 * resident's area path (the figures count them where they live). Walk-ins have no account and no result here.
 */
export async function screeningAttendance(app: AppContext, from: Date, to: Date): Promise<Array<{ kind: TalkKind; areaPath: string[] }>> {
  const talks = await Talks(app.db)
    .find({ kind: { $in: [...SCREENING_TALK_KINDS] }, startAt: { $gte: new Date(from.getTime() - 86_400_000), $lt: to } }, { kind: 1 })
    .lean();
  if (!talks.length) return [];
  const kindOf = new Map(talks.map((t) => [String(t._id), t.kind]));
  const rows = await Attendance(app.db)
    .find({ talkId: { $in: talks.map((t) => t._id) }, at: { $gte: from, $lt: to } }, { talkId: 1, areaPath: 1 })
    .lean();
  return rows.map((a) => ({ kind: kindOf.get(String(a.talkId))!, areaPath: a.areaPath }));
}

/** The institutions of the expert pool's active experts: where a screening's follow-up may refer a resident. */
export async function expertHospitals(app: AppContext): Promise<string[]> {
  const rows = (await Experts(app.db).distinct('hospital', { active: true })) as string[];
  return rows.filter(Boolean).sort((a, b) => a.localeCompare(b, 'zh'));
}
