import { Types } from 'mongoose';
import { Areas } from '../../src/modules/areas/areas.model';
import { importVillages } from '../../src/modules/areas/areas.service';
import { CareFamilies, CareVisits } from '../../src/modules/care/care.model';
import { BotRooms } from '../../src/modules/campaigns/rooms.model';
import { Enrolments } from '../../src/modules/insurance/insurance.model';
import { rebuildQuizFigures } from '../../src/modules/quiz';
import { QuizTallies } from '../../src/modules/quiz/figures.model';
import { Contests, Submissions } from '../../src/modules/quiz/quiz.model';
import { ReferralTransitions, Referrals } from '../../src/modules/referrals/referrals.model';
import { Residents } from '../../src/modules/residents/residents.model';
import { Attendance, Feedback, Registrations, Talks } from '../../src/modules/talks/talks.model';
import { Outbox } from '../../src/notify/outbox.model';
import type { TestApp } from '../../test/helpers/app';
import { batched } from './measure';

/**
 * A district's year of activity written straight into the database (insertMany in batches of 5,000: the
 * services' own paths would take hours at this size), shaped as the services write it. Used by the report
 * bench (100,000 residents) and the scale bench (200,000 residents, a million quiz submissions).
 */
export interface DistrictSize {
  residents: number;
  /** Daily quizzes of resident i: `dailyBase + i % 3` (each literacy round adds one for a third of them). */
  dailyBase: number;
  talks: number;
  registrations: number;
  /** Care families registered; each has three visits. */
  careFamilies: number;
}

export const REPORT_SIZE: DistrictSize = { residents: 100_000, dailyBase: 1, talks: 1200, registrations: 48_000, careFamilies: 0 };
const VILLAGES_PER_TOWN = 8;
const WAITING_TALLIES = 2_000;
export const at = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * 86_400_000);

export async function seedDistrict(t: TestApp, size: DistrictSize) {
  const RESIDENTS = size.residents;
  const towns = await Areas(t.db)
    .find({ level: { $in: ['town', 'subdistrict'] } })
    .sort({ code: 1 })
    .lean();
  await importVillages(
    t.app,
    'json',
    JSON.stringify(
      towns.flatMap((tw) =>
        Array.from({ length: VILLAGES_PER_TOWN }, (_, i) => ({ name: `${tw.name}${i + 1}村`, parentCode: tw.code, code: `${tw.code}-b${i}` })),
      ),
    ),
  );
  const villages = await Areas(t.db).find({ level: 'village' }).sort({ code: 1 }).lean();
  const pathOf = (i: number) => villages[i % villages.length]!.path;
  const ids = Array.from({ length: RESIDENTS }, () => new Types.ObjectId());
  const counts: Record<string, number> = {};
  const lean = { lean: true } as const;
  counts.residents = await batched(
    function* () {
      for (let i = 0; i < RESIDENTS; i++) {
        yield {
          _id: ids[i],
          openid: `b${i}`,
          createdAt: at(i % 300),
          lastLoginAt: at(i % 300),
          villageCode: pathOf(i)[2],
          areaPath: pathOf(i),
          elderlyMode: false,
          consents: i % 4 ? { basic: { policyVersion: '2026-11', grantedAt: at(i % 300) } } : {},
        };
      }
    },
    (b) => Residents(t.db).insertMany(b, lean),
  );
  const rounds = [at(60), at(280)].map((startAt, k) => ({
    _id: new Types.ObjectId(),
    kind: 'assessment',
    title: `第${k + 1}轮`,
    startAt,
    endAt: new Date(startAt.getTime() + 20 * 86_400_000),
    areaCode: '370303',
    areaPath: ['370303'],
    drawRules: [],
    timeLimitSec: 1800,
    attemptsPerDay: 1,
    attemptsTotal: 1,
    passScore: 80,
    status: 'closed',
    createdBy: 'bench',
    createdAt: startAt,
    updatedAt: startAt,
  }));
  await Contests(t.db).insertMany(rounds);
  // A year of quizzes: every resident a few daily quizzes, a third of them each literacy round.
  const submissionsOf = function* (i: number) {
    const base = { residentId: ids[i]!, areaPath: pathOf(i), results: [], correct: 5, total: 10, passed: true, durationMs: 60_000, tooFast: false };
    for (let d = 0; d < size.dailyBase + (i % 3); d++)
      yield { ...base, mode: 'daily' as const, day: '2026-05-01', score: 40 + ((i + d) % 7) * 10, submittedAt: at(30 + d * 40 + (i % 20)) };
    for (const [k, r] of rounds.entries())
      if ((i + k) % 3 === 0)
        yield {
          ...base,
          mode: 'contest' as const,
          contestId: r._id,
          day: '2026-05-01',
          score: 50 + ((i * 7 + k) % 50),
          submittedAt: new Date(r.startAt.getTime() + 3_600_000),
        };
  };
  counts.submissions = await batched(
    function* () {
      for (let i = 0; i < RESIDENTS; i++) yield* submissionsOf(i);
    },
    (b) => Submissions(t.db).insertMany(b, lean),
  );
  // The figures as a deployment has them: recounted once from the submissions (the start-up recount), then
  // the last submissions' tallies still waiting for the worker's fold, which the report does itself.
  const rebuilt = await rebuildQuizFigures(t.app, { again: true });
  counts.participations = rebuilt?.inserted ?? 0;
  const recent = Array.from({ length: WAITING_TALLIES }, (_, i) => ({
    _id: new Types.ObjectId(),
    residentId: ids[i]!,
    areaPath: pathOf(i),
    mode: 'daily' as const,
    day: '2026-11-30',
    results: [],
    correct: 8,
    total: 10,
    score: 80,
    passed: true,
    durationMs: 60_000,
    tooFast: false,
    submittedAt: at(333),
  }));
  await Submissions(t.db).insertMany(recent, lean);
  await QuizTallies(t.db).collection.insertMany(
    recent.map((r) => ({ _id: r._id, residentId: r.residentId, areaPath: r.areaPath, mode: r.mode, score: r.score, submittedAt: r.submittedAt })) as never[],
  );
  counts.submissions += recent.length;
  counts['tallies waiting to be folded'] = recent.length;
  const talks = Array.from({ length: size.talks }, (_, i) => ({
    _id: new Types.ObjectId(),
    kind: ['lecture', 'screening', 'checkup', 'youth', 'other'][i % 5],
    title: `讲座${i}`,
    venue: '村委会',
    areaCode: pathOf(i)[2],
    areaPath: pathOf(i),
    startAt: at(i % 320),
    endAt: at(i % 320),
    capacity: 60,
    maxSeatsPerRegistration: 1,
    signupOpensAt: at(0),
    signupClosesAt: at(i % 320),
    cancelCutoffAt: at(i % 320),
    eligibility: {},
    waitlistEnabled: false,
    waitlistCap: 0,
    status: 'finished',
    checkinScene: `t=${i}`,
    createdBy: 'bench',
    createdAt: at(0),
    updatedAt: at(0),
  }));
  await Talks(t.db).insertMany(talks, lean);
  counts.talks = talks.length;
  counts.registrations = await batched(
    function* () {
      for (let i = 0; i < size.registrations; i++) {
        const tk = talks[i % talks.length]!;
        yield {
          _id: new Types.ObjectId(),
          talkId: tk._id,
          residentId: ids[i % RESIDENTS],
          areaPath: tk.areaPath,
          seats: 1,
          status: i % 10 ? 'confirmed' : 'cancelled',
          seq: i,
          createdAt: at(0),
        };
      }
    },
    (b) => Registrations(t.db).insertMany(b, lean),
  );
  counts.attendance = await batched(
    function* () {
      for (let i = 0; i < Math.round(size.registrations * 0.75); i++) {
        const tk = talks[i % talks.length]!;
        yield {
          _id: `${String(tk._id)}:${i}`,
          talkId: tk._id,
          residentId: ids[i % RESIDENTS],
          registrationId: new Types.ObjectId(),
          areaPath: tk.areaPath,
          via: 'scan',
          at: tk.startAt,
        };
      }
    },
    (b) => Attendance(t.db).insertMany(b, lean),
  );
  counts.feedback = await batched(
    function* () {
      for (let i = 0; i < Math.round(size.registrations * 0.25); i++) {
        const tk = talks[i % talks.length]!;
        yield {
          _id: `${String(tk._id)}:${i}`,
          talkId: tk._id,
          residentId: ids[i % RESIDENTS],
          expertIds: [],
          areaPath: tk.areaPath,
          rating: 3 + (i % 3),
          commentState: 'none',
          at: tk.startAt,
        };
      }
    },
    (b) => Feedback(t.db).insertMany(b, lean),
  );
  const referrals = Array.from({ length: 400 }, (_, i) => ({
    _id: new Types.ObjectId(),
    residentId: ids[i],
    villageCode: pathOf(i)[2],
    areaPath: pathOf(i),
    status: ['submitted', 'referred', 'completed', 'not_eligible'][i % 4],
    seq: 2,
    createdAt: at(i % 300),
    updatedAt: at(i % 300),
  }));
  await Referrals(t.db).insertMany(referrals, lean);
  await ReferralTransitions(t.db).insertMany(
    referrals
      .filter((r) => r.status !== 'submitted')
      .map((r) => ({
        referralId: r._id,
        seq: 1,
        from: 'submitted',
        to: 'referred',
        actorType: 'staff',
        actorId: 'b',
        at: new Date(r.createdAt.getTime() + 5 * 86_400_000),
      })),
    lean,
  );
  counts.referrals = referrals.length;
  counts.enrolments = await batched(
    function* () {
      for (let i = 0; i < 15_000; i++) {
        yield {
          productId: new Types.ObjectId(),
          residentId: ids[i],
          villageCode: pathOf(i)[2],
          areaPath: pathOf(i),
          insured: Array.from({ length: 1 + (i % 3) }, () => ({ relation: '本人', planCode: 'A', premiumFen: 5000 })),
          totalFen: 5000 * (1 + (i % 3)),
          status: ['submitted', 'paid', 'issued', 'cancelled'][i % 4],
          seq: 1,
          createdAt: at(i % 300),
          updatedAt: at(i % 300),
        };
      }
    },
    (b) => Enrolments(t.db).insertMany(b, lean),
  );
  const rooms = villages.map((v, i) => ({
    _id: new Types.ObjectId(),
    wxRoomId: `r${i}`,
    topic: `${v.name}群`,
    areaCode: v.code,
    areaPath: v.path,
    areaName: v.name,
    boundBy: { contactId: 'c', code: 'x' },
    boundAt: at(0),
    active: true,
    updatedAt: at(0),
  }));
  await BotRooms(t.db).insertMany(rooms, lean);
  counts.groupMessages = await batched(
    function* () {
      for (let i = 0; i < 30_000; i++) {
        const r = rooms[i % rooms.length]!;
        yield {
          key: `b:${i}`,
          channel: 'room',
          payload: { roomId: String(r._id), text: '健康小贴士' },
          status: i % 20 ? 'sent' : 'dead',
          notBefore: at(i % 330),
          attempts: 1,
          maxAttempts: 5,
          source: {},
          areaPath: r.areaPath,
          createdAt: at(i % 330),
        };
      }
    },
    (b) => Outbox(t.db).insertMany(b, lean),
  );
  if (size.careFamilies > 0) {
    const families = Array.from({ length: size.careFamilies }, (_, i) => ({
      _id: new Types.ObjectId(),
      type: ['shidu', 'shangcan', 'liushou_elder', 'liushou_child', 'kunnan'][i % 5],
      villageCode: pathOf(i)[2],
      areaPath: pathOf(i),
      registeredBy: 'bench',
      consent: { method: 'signed_form', recordedBy: 'bench', at: at(0) },
      status: 'active',
      visitEveryDays: 30,
      lastVisitAt: at(300),
      nextVisitDue: at(330 + (i % 30)),
      createdAt: at(i % 300),
      updatedAt: at(300),
    }));
    counts.careFamilies = await batched(
      () => families,
      (b) => CareFamilies(t.db).insertMany(b, lean),
    );
    counts.careVisits = await batched(
      function* () {
        for (const [i, f] of families.entries())
          for (let k = 0; k < 3; k++)
            yield {
              familyId: f._id,
              villageCode: f.villageCode,
              areaPath: f.areaPath,
              on: '2026-10-01',
              at: at(240 + k * 30 + (i % 20)),
              byStaffId: 'bench',
              byName: '工作人员',
              createdAt: at(240 + k * 30),
            };
      },
      (b) => CareVisits(t.db).insertMany(b, lean),
    );
  }
  counts.villages = villages.length;
  return counts;
}
