import type { Types } from 'mongoose';
import { type Caller, scopeFilter, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError } from '../../http/errors';
import { maskName, maskPhone } from '../../lib/pii';
import { areaNames } from '../areas';
import { residentsByIds } from '../residents';
import { Attendance, RegistrationKeys, Registrations, Talks, WalkIns, type RegistrationDoc, type TalkDoc, type WalkInDoc } from './talks.model';
import { getPublicTalk, talkIdFromScene } from './talks.service';

const MIN = 60_000;
/** Check-in opens an hour before the start and closes half an hour after the end. */
const CHECKIN_OPENS_BEFORE = 60 * MIN;
const CHECKIN_CLOSES_AFTER = 30 * MIN;

function assertCheckinWindow(app: AppContext, talk: TalkDoc): void {
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
  const key = await RegistrationKeys(app.db)
    .findById(`${String(talk._id)}:${String(residentId)}`)
    .lean();
  const reg = key ? await Registrations(app.db).findById(key.registrationId).lean() : null;
  if (!reg || reg.status !== 'confirmed') throw new AppError('CHECKIN_NOT_CONFIRMED', 403, '您没有本场活动的确认名额，请联系现场工作人员');
  const at = await record(app, talk, reg, 'scan');
  if (!at) throw new AppError('ALREADY_CHECKED_IN', 409, '您已经签到过了，无需重复签到');
  return { talkId: String(talk._id), title: talk.title, checkedInAt: at.toISOString() };
}

async function record(app: AppContext, talk: TalkDoc, reg: RegistrationDoc, via: 'scan' | 'staff', staffId?: string): Promise<Date | null> {
  const at = app.clock.now();
  try {
    await Attendance(app.db).create({
      _id: `${String(talk._id)}:${String(reg.residentId)}`,
      talkId: talk._id,
      residentId: reg.residentId,
      registrationId: reg._id,
      areaPath: reg.areaPath,
      via,
      staffId,
      at,
    });
    return at;
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    throw err;
  }
}

/** When staff may start marking attendance at the door: `ATTENDANCE_OPENS_BEFORE_MIN` before the start. */
export const attendanceOpensAt = (app: AppContext, talk: TalkDoc): Date => new Date(talk.startAt.getTime() - app.config.ATTENDANCE_OPENS_BEFORE_MIN * MIN);

const shanghaiTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  month: 'numeric',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** Marking at the door opens a set time before the start, so nobody is marked as come days ahead. */
export function assertMarkingOpen(app: AppContext, talk: TalkDoc): void {
  const opens = attendanceOpensAt(app, talk);
  if (app.clock.now() < opens) {
    throw new AppError(
      'ATTENDANCE_NOT_OPEN',
      409,
      `还不能登记到场：活动开始前 ${app.config.ATTENDANCE_OPENS_BEFORE_MIN} 分钟（${shanghaiTime.format(opens)}）起可以登记`,
      { opensAt: opens.toISOString() },
    );
  }
}

/**
 * Staff mark (or unmark) attendance from the list; only confirmed registrations of this session count, and only
 * those living in `within` when it is set (a village worker at a town session).
 */
export async function markAttendance(app: AppContext, staff: StaffPrincipal, talk: TalkDoc, registrationIds: string[], attended: boolean, within?: string) {
  if (attended) assertMarkingOpen(app, talk);
  const regs = await Registrations(app.db)
    .find({ _id: { $in: registrationIds }, talkId: talk._id, status: 'confirmed', ...(within ? { areaPath: within } : {}) })
    .lean();
  let changed = 0;
  for (const reg of regs) {
    if (attended) changed += (await record(app, talk, reg, 'staff', staff.id)) ? 1 : 0;
    else changed += (await Attendance(app.db).deleteOne({ _id: `${String(talk._id)}:${String(reg.residentId)}` })).deletedCount;
  }
  return { changed, unchanged: regs.length - changed, invalid: registrationIds.length - regs.length };
}

type RosterStatus = 'confirmed' | 'waitlisted' | 'walk_in';

export interface RosterQuery {
  status?: RosterStatus;
  attended?: boolean;
  /** Only registrants living in this area (the organiser's own scope, for the call list); walk-ins are left out. */
  within?: string;
  /** Walk-ins are kept, those counted in this area only (a village worker at a town session). */
  walkInsWithin?: string;
  /** A name (or part of one) or the last 4 digits of a phone number: matched on the opened values. */
  search?: string;
  offset?: number;
  limit?: number;
}

interface RosterLine {
  id: string;
  residentId?: Types.ObjectId;
  walkIn?: WalkInDoc;
  seats: number;
  status: RosterStatus;
  position: number | null;
  checkedInAt: Date | null;
  registeredAt: Date;
}

/**
 * A session's list in queue order — confirmed and waitlisted registrations, then walk-ins — filtered and cut to a
 * page before anything is decrypted. Names and phones are masked unless `full` (the caller checks the role and
 * audits). `total` counts the filtered list.
 */
export async function rosterPage(app: AppContext, talk: TalkDoc, full: boolean, q: RosterQuery = {}) {
  const regs = await Registrations(app.db)
    .find({ talkId: talk._id, status: { $in: ['confirmed', 'waitlisted'] } }, { residentId: 1, seats: 1, status: 1, createdAt: 1, areaPath: 1 })
    .sort({ seq: 1, _id: 1 })
    .lean();
  const [attendance, walkIns] = await Promise.all([
    Attendance(app.db).find({ talkId: talk._id }, { residentId: 1, at: 1 }).lean(),
    q.within && !q.walkInsWithin
      ? Promise.resolve([])
      : WalkIns(app.db)
          .find({ talkId: talk._id, ...(q.walkInsWithin ? { areaPath: q.walkInsWithin } : {}) })
          .sort({ at: 1, _id: 1 })
          .lean(),
  ]);
  const came = new Map(attendance.map((a) => [String(a.residentId), a.at]));
  let position = 0;
  const lines: RosterLine[] = [];
  for (const reg of regs) {
    const pos = reg.status === 'waitlisted' ? ++position : null;
    if (q.within && !reg.areaPath.includes(q.within)) continue;
    lines.push({
      id: String(reg._id),
      residentId: reg.residentId,
      seats: reg.seats,
      status: reg.status as 'confirmed' | 'waitlisted',
      position: pos,
      checkedInAt: came.get(String(reg.residentId)) ?? null,
      registeredAt: reg.createdAt,
    });
  }
  for (const w of walkIns) lines.push({ id: String(w._id), walkIn: w, seats: 1, status: 'walk_in', position: null, checkedInAt: w.at, registeredAt: w.at });
  const filtered = lines.filter((l) => (!q.status || l.status === q.status) && (q.attended === undefined || (l.checkedInAt !== null) === q.attended));
  // A search opens every filtered line's name and phone (a session's list is a few hundred at most).
  const opened = await residentsByIds(
    app,
    (q.search ? filtered : []).flatMap((l) => (l.residentId ? [l.residentId] : [])),
    ['nameEnc', 'phoneEnc'],
  );
  const chosen = q.search ? filtered.filter(matches(app, q.search, new Map(opened.map((r) => [String(r._id), r])))) : filtered;
  const offset = q.offset ?? 0;
  const page = q.limit === undefined ? chosen.slice(offset) : chosen.slice(offset, offset + q.limit);

  const residents = await residentsByIds(
    app,
    page.flatMap((l) => (l.residentId ? [l.residentId] : [])),
    ['nameEnc', 'phoneEnc', 'villageCode'],
  );
  const byId = new Map(residents.map((r) => [String(r._id), r]));
  const villageOf = (l: RosterLine) => (l.walkIn ? l.walkIn.villageCode : byId.get(String(l.residentId))?.villageCode);
  const villageName = await areaNames(app, [...new Set(page.flatMap((l) => villageOf(l) ?? []))]);
  const items = page.map((l) => {
    const r = l.residentId ? byId.get(String(l.residentId)) : undefined;
    const nameEnc = l.walkIn?.nameEnc ?? r?.nameEnc;
    const phoneEnc = l.walkIn?.phoneEnc ?? r?.phoneEnc;
    const name = nameEnc ? app.pii.open(nameEnc) : '';
    const phone = phoneEnc ? app.pii.open(phoneEnc) : '';
    const village = villageOf(l);
    return {
      registrationId: l.id,
      name: full ? name : maskName(name),
      phone: full ? phone : phone ? maskPhone(phone) : '',
      village: village ? (villageName.get(village) ?? village) : '',
      seats: l.seats,
      status: l.status,
      position: l.position,
      attended: l.checkedInAt !== null,
      checkedInAt: l.checkedInAt ? l.checkedInAt.toISOString() : null,
      registeredAt: l.registeredAt.toISOString(),
    };
  });
  const next = offset + page.length;
  return { items, total: chosen.length, nextCursor: q.limit !== undefined && next < chosen.length ? String(next) : null };
}

/** Digits: the phone's last four; anything else: part of the name. */
function matches(app: AppContext, search: string, residents: Map<string, { nameEnc?: string; phoneEnc?: string }>) {
  const term = search.trim();
  const byPhone = /^\d{4}$/.test(term);
  return (l: RosterLine): boolean => {
    const r = l.residentId ? residents.get(String(l.residentId)) : undefined;
    const sealed = byPhone ? (l.walkIn?.phoneEnc ?? r?.phoneEnc) : (l.walkIn?.nameEnc ?? r?.nameEnc);
    if (!sealed) return false;
    const value = app.pii.open(sealed);
    return byPhone ? value.endsWith(term) : value.includes(term);
  };
}

/** The whole list (for exports). */
export async function roster(app: AppContext, talk: TalkDoc, full: boolean) {
  return (await rosterPage(app, talk, full)).items;
}

/** Attendance and no-shows of one session, overall and per village of the registrants. */
export async function sessionFigures(app: AppContext, talk: TalkDoc) {
  const [confirmed, waitlisted, attendance, walkIns] = await Promise.all([
    Registrations(app.db).find({ talkId: talk._id, status: 'confirmed' }, { residentId: 1, seats: 1, areaPath: 1 }).lean(),
    Registrations(app.db).countDocuments({ talkId: talk._id, status: 'waitlisted' }),
    Attendance(app.db).find({ talkId: talk._id }, { residentId: 1 }).lean(),
    WalkIns(app.db).find({ talkId: talk._id }, { areaPath: 1 }).lean(),
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
  // Walk-ins count as attended where they live (or where the session was held); they are never no-shows.
  const walkInsByArea = new Map<string, number>();
  for (const w of walkIns) {
    const code = w.areaPath[w.areaPath.length - 1] ?? 'unknown';
    walkInsByArea.set(code, (walkInsByArea.get(code) ?? 0) + 1);
    if (!byArea.has(code)) byArea.set(code, { areaCode: code, confirmed: 0, attended: 0 });
  }
  const registeredCame = confirmed.filter((r) => came.has(String(r.residentId))).length;
  const attended = registeredCame + walkIns.length;
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
    walkIns: walkIns.length,
    /** Only meaningful once the session has started. */
    noShow: started ? confirmed.length - registeredCame : null,
    byArea: [...byArea.values()]
      .map((r) => {
        const w = walkInsByArea.get(r.areaCode) ?? 0;
        return { ...r, attended: r.attended + w, walkIns: w, noShow: started ? r.confirmed - r.attended : null };
      })
      .sort((a, b) => a.areaCode.localeCompare(b.areaCode)),
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
    sessions.push({
      talkId: f.talkId,
      title: f.title,
      startAt: f.startAt,
      confirmedRegistrations: f.confirmedRegistrations,
      attended: f.attended,
      noShow: f.noShow,
    });
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

/**
 * The organiser's call list: full names and phone numbers of the registrants living in the staff member's own
 * area, a page at a time. Every page shown is audited with the numbers it opened.
 */
export async function callList(
  app: AppContext,
  caller: Caller,
  talk: TalkDoc,
  q: { status?: 'confirmed' | 'waitlisted'; attended?: boolean; offset: number; limit: number },
) {
  const page = await rosterPage(app, talk, true, { ...q, within: caller.staff.areaCode });
  await caller.audit('talk.call_list.view', { type: 'talk', id: String(talk._id) }, { rows: page.items.length, offset: q.offset, status: q.status ?? null });
  return page;
}
