import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError } from '../../http/errors';
import { maskName, maskPhone } from '../../lib/pii';
import { areaNames } from '../areas';
import { residentsByIds } from '../residents';
import { scopeFilter, type StaffPrincipal } from '../staff';
import { Attendance, RegistrationKeys, Registrations, Talks, type RegistrationDoc, type TalkDoc } from './talks.model';
import { getPublicTalk, talkIdFromScene } from './talks.service';

const MIN = 60_000;
/** Check-in opens an hour before the start and closes half an hour after the end. */
export const CHECKIN_OPENS_BEFORE = 60 * MIN;
export const CHECKIN_CLOSES_AFTER = 30 * MIN;

export function assertCheckinWindow(app: AppContext, talk: TalkDoc): void {
  const now = app.clock.now().getTime();
  if (now < talk.startAt.getTime() - CHECKIN_OPENS_BEFORE) throw new AppError('CHECKIN_NOT_OPEN', 409, '签到还没有开始（活动开始前 1 小时可签到）');
  if (now > talk.endAt.getTime() + CHECKIN_CLOSES_AFTER) throw new AppError('CHECKIN_CLOSED', 409, '签到已结束');
}

/** Scan-to-check-in: only with this session's own code, inside its window, for a confirmed registrant, once. */
export async function checkIn(app: AppContext, residentId: Types.ObjectId, talkId: string, scene: string) {
  const talk = await getPublicTalk(app, talkId);
  if (scene !== talk.checkinScene) {
    const other = talkIdFromScene(scene);
    if (other && other !== String(talk._id)) throw new AppError('CHECKIN_WRONG_SESSION', 400, '这是另一场活动的签到码，请扫描本场活动的签到码');
    throw new AppError('CHECKIN_CODE_INVALID', 400, '签到码无效，请扫描现场张贴的签到码');
  }
  if (talk.status === 'cancelled') throw new AppError('TALK_CANCELLED', 409, '本场活动已取消');
  assertCheckinWindow(app, talk);
  const key = await RegistrationKeys(app.db).findById(`${String(talk._id)}:${String(residentId)}`).lean();
  const reg = key ? await Registrations(app.db).findById(key.registrationId).lean() : null;
  if (!reg || reg.status !== 'confirmed') throw new AppError('CHECKIN_NOT_CONFIRMED', 403, '您没有本场活动的确认名额，请联系现场工作人员');
  const at = await record(app, talk, reg, 'scan');
  if (!at) throw new AppError('ALREADY_CHECKED_IN', 409, '您已经签到过了，无需重复签到');
  return { talkId: String(talk._id), title: talk.title, checkedInAt: at.toISOString() };
}

async function record(app: AppContext, talk: TalkDoc, reg: RegistrationDoc, via: 'scan' | 'staff', staffId?: string): Promise<Date | null> {
  const at = app.clock.now();
  try {
    await Attendance(app.db).create({ _id: `${String(talk._id)}:${String(reg.residentId)}`, talkId: talk._id, residentId: reg.residentId, registrationId: reg._id, areaPath: reg.areaPath, via, staffId, at });
    return at;
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    throw err;
  }
}

/** Staff mark (or unmark) attendance from the printed list; only confirmed registrations of this session count. */
export async function markAttendance(app: AppContext, staff: StaffPrincipal, talk: TalkDoc, registrationIds: string[], attended: boolean) {
  const regs = await Registrations(app.db).find({ _id: { $in: registrationIds }, talkId: talk._id, status: 'confirmed' }).lean();
  let changed = 0;
  for (const reg of regs) {
    if (attended) changed += (await record(app, talk, reg, 'staff', staff.id)) ? 1 : 0;
    else changed += (await Attendance(app.db).deleteOne({ _id: `${String(talk._id)}:${String(reg.residentId)}` })).deletedCount;
  }
  return { changed, unchanged: regs.length - changed, invalid: registrationIds.length - regs.length };
}

/** Roster for staff: masked by default; `full` opens names and phones (the caller checks the role and audits). */
export async function roster(app: AppContext, talk: TalkDoc, full: boolean) {
  const regs = await Registrations(app.db).find({ talkId: talk._id, status: { $in: ['confirmed', 'waitlisted'] } }).sort({ seq: 1, _id: 1 }).lean();
  const [residents, attendance] = await Promise.all([
    residentsByIds(app, regs.map((r) => r.residentId), ['nameEnc', 'phoneEnc', 'villageCode']),
    Attendance(app.db).find({ talkId: talk._id }).lean(),
  ]);
  const villageName = await areaNames(app, [...new Set(residents.flatMap((r) => (r.villageCode ? [r.villageCode] : [])))]);
  const byId = new Map(residents.map((r) => [String(r._id), r]));
  const came = new Map(attendance.map((a) => [String(a.residentId), a]));
  let position = 0;
  return regs.map((reg) => {
    const r = byId.get(String(reg.residentId));
    const name = r?.nameEnc ? app.pii.open(r.nameEnc) : '';
    const phone = r?.phoneEnc ? app.pii.open(r.phoneEnc) : '';
    const a = came.get(String(reg.residentId));
    return {
      registrationId: String(reg._id),
      name: full ? name : maskName(name),
      phone: full ? phone : phone ? maskPhone(phone) : '',
      village: r?.villageCode ? villageName.get(r.villageCode) ?? r.villageCode : '',
      seats: reg.seats,
      status: reg.status,
      position: reg.status === 'waitlisted' ? ++position : null,
      attended: Boolean(a),
      checkedInAt: a ? a.at.toISOString() : null,
      registeredAt: reg.createdAt.toISOString(),
    };
  });
}

/** Attendance and no-shows of one session, overall and per village of the registrants. */
export async function sessionFigures(app: AppContext, talk: TalkDoc) {
  const [confirmed, waitlisted, attendance] = await Promise.all([
    Registrations(app.db).find({ talkId: talk._id, status: 'confirmed' }, { residentId: 1, seats: 1, areaPath: 1 }).lean(),
    Registrations(app.db).countDocuments({ talkId: talk._id, status: 'waitlisted' }),
    Attendance(app.db).find({ talkId: talk._id }, { residentId: 1 }).lean(),
  ]);
  const came = new Set(attendance.map((a) => String(a.residentId)));
  const started = app.clock.now() >= talk.startAt;
  const byArea = new Map<string, { areaCode: string; confirmed: number; attended: number }>();
  for (const r of confirmed) {
    const code = r.areaPath[r.areaPath.length - 1] ?? 'unknown';
    const row = byArea.get(code) ?? { areaCode: code, confirmed: 0, attended: 0 };
    row.confirmed++;
    if (came.has(String(r.residentId))) row.attended++;
    byArea.set(code, row);
  }
  const attended = confirmed.filter((r) => came.has(String(r.residentId))).length;
  return {
    talkId: String(talk._id),
    title: talk.title,
    startAt: talk.startAt.toISOString(),
    status: talk.status,
    capacity: talk.capacity,
    confirmedRegistrations: confirmed.length,
    confirmedSeats: confirmed.reduce((s, r) => s + r.seats, 0),
    waitlisted,
    attended,
    /** Only meaningful once the session has started. */
    noShow: started ? confirmed.length - attended : null,
    byArea: [...byArea.values()].map((r) => ({ ...r, noShow: started ? r.confirmed - r.attended : null })).sort((a, b) => a.areaCode.localeCompare(b.areaCode)),
  };
}

/** Figures for every session in an area (within the staff member's scope) that started in a period. */
export async function areaFigures(app: AppContext, staff: StaffPrincipal, q: { areaCode?: string; from?: string; to?: string }) {
  const filter: Record<string, unknown> = { ...scopeFilter(staff), status: { $in: ['published', 'closed', 'finished'] } };
  if (q.areaCode) filter.areaPath = { $all: [staff.areaCode, q.areaCode] };
  const range: Record<string, Date> = {};
  if (q.from) range.$gte = new Date(q.from);
  if (q.to) range.$lt = new Date(q.to);
  if (q.from || q.to) filter.startAt = range;
  const talks = await Talks(app.db).find(filter).sort({ startAt: 1 }).limit(200).lean();
  const sessions = [];
  for (const t of talks) {
    const f = await sessionFigures(app, t);
    sessions.push({ talkId: f.talkId, title: f.title, startAt: f.startAt, confirmedRegistrations: f.confirmedRegistrations, attended: f.attended, noShow: f.noShow });
  }
  const past = sessions.filter((s) => s.noShow !== null);
  const totals = {
    sessions: sessions.length,
    confirmedRegistrations: sessions.reduce((s, x) => s + x.confirmedRegistrations, 0),
    attended: sessions.reduce((s, x) => s + x.attended, 0),
    noShow: past.reduce((s, x) => s + (x.noShow ?? 0), 0),
  };
  return { sessions, totals };
}
