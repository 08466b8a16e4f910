import { Types } from 'mongoose';
import type { TestApp } from './app';
import { TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from './fixtures';
import { Residents } from '../../src/modules/residents/residents.model';
import { rebuildQuizFigures } from '../../src/modules/quiz';
import { Contests, Submissions } from '../../src/modules/quiz/quiz.model';
import { Attendance, Feedback, Registrations, Talks } from '../../src/modules/talks/talks.model';
import { ReferralTransitions, Referrals } from '../../src/modules/referrals/referrals.model';
import { Enrolments } from '../../src/modules/insurance/insurance.model';
import { Outbox } from '../../src/notify/outbox.model';
import { BotRooms } from '../../src/modules/campaigns/rooms.model';

export const D = '370303';
export const PATH = {
  [VILLAGE_A]: [D, TOWN_MS, VILLAGE_A],
  [VILLAGE_B]: [D, TOWN_MS, VILLAGE_B],
  [VILLAGE_C]: [D, TOWN_ND, VILLAGE_C],
} as Record<string, string[]>;
const at = (s: string) => new Date(`${s}+08:00`);
const DAY = 86_400_000;

/**
 * A year (2026) of activity in two towns with counts known by hand: 马尚 (villages A, B) and 南定 (village C).
 * Returns the resident ids per village and the two literacy rounds. The expected figures are in the test.
 */
export async function seedYear(t: TestApp) {
  const ids: Record<string, Types.ObjectId[]> = {};
  const residents = [];
  for (const [v, n, consented] of [
    [VILLAGE_A, 50, 30],
    [VILLAGE_B, 10, 10],
    [VILLAGE_C, 20, 5],
  ] as const) {
    ids[v] = [];
    for (let i = 0; i < n; i++) {
      const _id = new Types.ObjectId();
      ids[v].push(_id);
      residents.push({
        _id,
        openid: `o-${v}-${i}`,
        createdAt: at('2026-02-01T10:00:00'),
        lastLoginAt: at('2026-02-01T10:00:00'),
        villageCode: v,
        areaPath: PATH[v],
        consents: i < consented ? { basic: { policyVersion: '2026-11', grantedAt: at('2026-02-01T10:00:00') } } : {},
      });
    }
  }
  // Not counted: erased, and registered after the year.
  residents.push({
    openid: 'o-erased',
    createdAt: at('2026-03-01T10:00:00'),
    lastLoginAt: at('2026-03-01T10:00:00'),
    villageCode: VILLAGE_A,
    areaPath: PATH[VILLAGE_A],
    consents: {},
    erasedAt: at('2026-05-01T00:00:00'),
  });
  residents.push({
    openid: 'o-2027',
    createdAt: at('2027-01-02T10:00:00'),
    lastLoginAt: at('2027-01-02T10:00:00'),
    villageCode: VILLAGE_A,
    areaPath: PATH[VILLAGE_A],
    consents: {},
  });
  await Residents(t.db).insertMany(residents);

  const sub = (r: Types.ObjectId, v: string, mode: string, score: number, when: string, contestId?: Types.ObjectId) => ({
    residentId: r,
    mode,
    day: when.slice(0, 10),
    areaPath: PATH[v],
    villageCode: v,
    results: [],
    correct: score / 10,
    total: 10,
    score,
    passed: score >= 60,
    durationMs: 60_000,
    tooFast: false,
    submittedAt: at(when),
    ...(contestId ? { contestId } : {}),
  });
  const subs = [];
  for (const r of ids[VILLAGE_A]!.slice(0, 20)) subs.push(sub(r, VILLAGE_A, 'daily', 60, '2026-04-01T09:00:00'));
  subs.push(sub(ids[VILLAGE_A]![0]!, VILLAGE_A, 'daily', 100, '2026-04-02T09:00:00'));
  const ordinary = new Types.ObjectId();
  for (const r of ids[VILLAGE_C]!.slice(0, 10)) subs.push(sub(r, VILLAGE_C, 'contest', 80, '2026-05-01T09:00:00', ordinary));
  for (const r of ids[VILLAGE_B]!.slice(0, 5)) subs.push(sub(r, VILLAGE_B, 'topic', 100, '2026-05-01T09:00:00'));
  subs.push(sub(ids[VILLAGE_A]![5]!, VILLAGE_A, 'daily', 100, '2025-12-31T23:00:00'));

  // Two district-wide literacy rounds; literate = score ≥ 80.
  const contest = (title: string, start: string, end: string) => ({
    _id: new Types.ObjectId(),
    kind: 'assessment',
    title,
    startAt: at(start),
    endAt: at(end),
    areaCode: D,
    areaPath: [D],
    drawRules: [],
    timeLimitSec: 1800,
    attemptsPerDay: 1,
    attemptsTotal: 1,
    passScore: 80,
    status: 'closed',
    createdBy: 'seed',
    createdAt: at(start),
    updatedAt: at(end),
  });
  const round1 = contest('2026年春季健康素养测评', '2026-03-01T00:00:00', '2026-03-31T00:00:00');
  const round2 = contest('2026年秋季健康素养测评', '2026-10-01T00:00:00', '2026-10-31T00:00:00');
  await Contests(t.db).insertMany([round1, round2]);
  // Takers per village (A: 40 of its 50 residents) and, per round, how many of them are literate.
  const takers: Record<string, number> = { [VILLAGE_A]: 40, [VILLAGE_B]: 10, [VILLAGE_C]: 20 };
  const literate: Record<string, [number, number]> = { [VILLAGE_A]: [10, 16], [VILLAGE_B]: [2, 4], [VILLAGE_C]: [4, 8] };
  for (const v of [VILLAGE_A, VILLAGE_B, VILLAGE_C]) {
    ids[v]!.slice(0, takers[v]).forEach((r, i) => {
      subs.push(sub(r, v, 'contest', i < literate[v]![0] ? (i % 2 ? 80 : 93) : 63, '2026-03-10T09:00:00', round1._id));
      subs.push(sub(r, v, 'contest', i < literate[v]![1] ? 87 : 77, '2026-10-10T09:00:00', round2._id));
    });
  }
  await Submissions(t.db).insertMany(subs);
  // Loaded as data from before participations were recorded at submit: the start-up backfill's work.
  await rebuildQuizFigures(t.app, { again: true });

  const talk = (v: string, kind: string, start: string, status = 'finished') => ({
    _id: new Types.ObjectId(),
    kind,
    title: `${kind}@${v}`,
    venue: '村委会',
    areaCode: v,
    areaPath: PATH[v],
    startAt: at(start),
    endAt: new Date(at(start).getTime() + 2 * 3600_000),
    capacity: 50,
    maxSeatsPerRegistration: 1,
    signupOpensAt: at('2026-01-01T00:00:00'),
    signupClosesAt: at(start),
    cancelCutoffAt: at(start),
    eligibility: {},
    waitlistEnabled: false,
    waitlistCap: 0,
    status,
    checkinScene: `t=${new Types.ObjectId()}`,
    createdBy: 'seed',
    createdAt: at('2026-01-01T00:00:00'),
    updatedAt: at('2026-01-01T00:00:00'),
  });
  const lecture1 = talk(VILLAGE_A, 'lecture', '2026-04-10T09:00:00');
  const lecture2 = talk(VILLAGE_A, 'lecture', '2026-06-10T09:00:00', 'closed');
  const screening = talk(VILLAGE_A, 'screening', '2026-07-10T09:00:00');
  const checkup = talk(VILLAGE_C, 'checkup', '2026-08-10T09:00:00');
  const youth = talk(VILLAGE_C, 'youth', '2026-09-10T09:00:00', 'published');
  const notHeld = [
    talk(VILLAGE_A, 'lecture', '2026-05-10T09:00:00', 'cancelled'),
    talk(VILLAGE_A, 'lecture', '2026-12-20T09:00:00', 'published'),
    talk(VILLAGE_A, 'lecture', '2026-05-11T09:00:00', 'draft'),
  ];
  await Talks(t.db).insertMany([lecture1, lecture2, screening, checkup, youth, ...notHeld]);
  const regs: unknown[] = [];
  const att: unknown[] = [];
  const fb: unknown[] = [];
  const fill = (tk: { _id: Types.ObjectId; areaPath?: string[] }, v: string, confirmed: number, cancelled: number, came: number, ratings: number[]) => {
    ids[v]!.slice(0, confirmed + cancelled).forEach((r, i) => {
      const _id = new Types.ObjectId();
      regs.push({
        _id,
        talkId: tk._id,
        residentId: r,
        areaPath: PATH[v],
        seats: 1,
        status: i < confirmed ? 'confirmed' : 'cancelled',
        seq: i + 1,
        createdAt: at('2026-03-01T00:00:00'),
      });
      if (i < came)
        att.push({
          _id: `${String(tk._id)}:${String(r)}`,
          talkId: tk._id,
          residentId: r,
          registrationId: _id,
          areaPath: PATH[v],
          via: 'scan',
          at: at('2026-04-10T09:00:00'),
        });
      if (i < ratings.length)
        fb.push({
          _id: `${String(tk._id)}:${String(r)}`,
          talkId: tk._id,
          residentId: r,
          expertIds: [],
          areaPath: tk.areaPath,
          rating: ratings[i]!,
          commentState: 'none',
          at: at('2026-04-10T12:00:00'),
        });
    });
  };
  fill(lecture1, VILLAGE_A, 10, 2, 8, [5, 4, 3]);
  fill(lecture2, VILLAGE_A, 5, 0, 5, []);
  fill(screening, VILLAGE_A, 4, 0, 1, []);
  fill(checkup, VILLAGE_C, 6, 0, 6, [5, 5]);
  fill(notHeld[0]!, VILLAGE_A, 3, 0, 0, []);
  await Registrations(t.db).insertMany(regs);
  await Attendance(t.db).insertMany(att);
  await Feedback(t.db).insertMany(fb);

  const referral = (v: string, status: string, created: string) => ({
    _id: new Types.ObjectId(),
    residentId: ids[v]![0]!,
    villageCode: v,
    areaPath: PATH[v],
    status,
    seq: 0,
    createdAt: at(created),
    updatedAt: at(created),
  });
  const rA1 = referral(VILLAGE_A, 'submitted', '2026-02-01T09:00:00');
  const rA2 = referral(VILLAGE_A, 'referred', '2026-03-01T09:00:00');
  const rA3 = referral(VILLAGE_A, 'completed', '2026-04-01T09:00:00');
  const rC1 = referral(VILLAGE_C, 'not_eligible', '2026-05-01T09:00:00');
  await Referrals(t.db).insertMany([rA1, rA2, rA3, rC1]);
  const tr = (r: { _id: Types.ObjectId; createdAt: Date }, seq: number, to: string, days: number) => ({
    referralId: r._id,
    seq,
    from: null,
    to,
    actorType: 'staff',
    actorId: 's',
    at: new Date(r.createdAt.getTime() + days * DAY),
  });
  await ReferralTransitions(t.db).insertMany([
    tr(rA2, 1, 'reviewing', 1),
    tr(rA2, 2, 'referred', 4),
    tr(rA3, 1, 'reviewing', 2),
    tr(rA3, 2, 'referred', 10),
    tr(rA3, 3, 'completed', 40),
    tr(rC1, 1, 'not_eligible', 3),
  ]);

  const productId = new Types.ObjectId();
  const insured = (n: number, fen: number) => Array.from({ length: n }, () => ({ relation: '本人', planCode: 'A', premiumFen: fen }));
  const enrol = (v: string, status: string, n: number, fen: number) => ({
    productId,
    residentId: ids[v]![1]!,
    villageCode: v,
    areaPath: PATH[v],
    insured: insured(n, fen),
    totalFen: n * fen,
    status,
    seq: 1,
    createdAt: at('2026-06-01T09:00:00'),
    updatedAt: at('2026-06-01T09:00:00'),
  });
  await Enrolments(t.db).insertMany([
    enrol(VILLAGE_A, 'paid', 2, 10000),
    enrol(VILLAGE_A, 'issued', 3, 10000),
    enrol(VILLAGE_A, 'submitted', 1, 10000),
    enrol(VILLAGE_C, 'cancelled', 1, 5000),
    enrol(VILLAGE_C, 'issued', 1, 5000),
  ]);

  const rooms = [
    { v: VILLAGE_A, active: true },
    { v: VILLAGE_A, active: true },
    { v: VILLAGE_B, active: true },
    { v: VILLAGE_B, active: false },
    { v: VILLAGE_C, active: true },
  ].map((r, i) => ({
    _id: new Types.ObjectId(),
    wxRoomId: `room-${i}`,
    topic: `群${i}`,
    areaCode: r.v,
    areaPath: PATH[r.v],
    areaName: r.v,
    boundBy: { contactId: 'c', code: 'x' },
    boundAt: at('2026-01-05T00:00:00'),
    active: r.active,
    updatedAt: at('2026-01-05T00:00:00'),
  }));
  await BotRooms(t.db).insertMany(rooms);
  let k = 0;
  const item = (room: (typeof rooms)[number], status: string, created = '2026-06-01T09:00:00', extra: Record<string, unknown> = {}) => ({
    key: `seed:${++k}`,
    channel: 'room',
    payload: { roomId: String(room._id), text: 'hi' },
    status,
    notBefore: at(created),
    attempts: 1,
    maxAttempts: 5,
    source: {},
    areaPath: room.areaPath,
    createdAt: at(created),
    ...extra,
  });
  const [ra, , , , rc] = rooms as [(typeof rooms)[number], unknown, unknown, unknown, (typeof rooms)[number]];
  await Outbox(t.db).insertMany([
    ...Array.from({ length: 5 }, () => item(ra, 'sent')),
    item(ra, 'dead'),
    item(ra, 'pending'),
    item(ra, 'pending'),
    ...Array.from({ length: 3 }, () => item(rc, 'sent')),
    item(rc, 'cancelled'),
    item(ra, 'sent', '2025-12-01T09:00:00'),
    { ...item(ra, 'sent'), payload: { areaCode: VILLAGE_A, text: 'notice' } },
    { ...item(ra, 'sent'), channel: 'subscribe', payload: { residentId: 'x', templateKey: 'k', data: {} } },
  ]);
  return { ids, round1: String(round1._id), round2: String(round2._id) };
}
