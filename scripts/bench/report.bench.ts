import http from 'node:http';
import os from 'node:os';
import { Types } from 'mongoose';
import { shanghaiYear, type FigureScope } from '../../src/lib/area-figures';
import { groupFigures } from '../../src/modules/campaigns';
import { insuranceFigures } from '../../src/modules/insurance';
import { quizYearFigures } from '../../src/modules/quiz';
import { referralFigures } from '../../src/modules/referrals';
import { residentFigures } from '../../src/modules/residents';
import { talkFigures } from '../../src/modules/talks';
import { Areas } from '../../src/modules/areas/areas.model';
import { importVillages } from '../../src/modules/areas/areas.service';
import { BotRooms } from '../../src/modules/campaigns/rooms.model';
import { Enrolments } from '../../src/modules/insurance/insurance.model';
import { rebuildQuizFigures } from '../../src/modules/quiz';
import { QuizTallies } from '../../src/modules/quiz/figures.model';
import { Contests, Submissions } from '../../src/modules/quiz/quiz.model';
import { ReferralTransitions, Referrals } from '../../src/modules/referrals/referrals.model';
import { Residents } from '../../src/modules/residents/residents.model';
import { Attendance, Feedback, Registrations, Talks } from '../../src/modules/talks/talks.model';
import { Outbox } from '../../src/notify/outbox.model';
import { staffLogin } from '../../test/helpers/fixtures';
import type { BenchHarness } from './harness';
import { batched, measure } from './measure';

/**
 * Issue 11: the yearly report over 100,000 residents and a year of activity — time and peak memory of the
 * JSON, XLSX and DOCX reports of the district, against a plain count of the residents in the same run.
 */
const RESIDENTS = Number(process.env.REPORT_BENCH_RESIDENTS ?? 100_000);
const VILLAGES_PER_TOWN = 8;
const WAITING_TALLIES = 2_000;
const at = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * 86_400_000);

async function seed(h: BenchHarness) {
  const { t } = h;
  const towns = await Areas(t.db).find({ level: { $in: ['town', 'subdistrict'] } }).sort({ code: 1 }).lean();
  await importVillages(t.app, 'json', JSON.stringify(towns.flatMap((tw) => Array.from({ length: VILLAGES_PER_TOWN }, (_, i) => ({ name: `${tw.name}${i + 1}村`, parentCode: tw.code, code: `${tw.code}-b${i}` })))));
  const villages = await Areas(t.db).find({ level: 'village' }).sort({ code: 1 }).lean();
  const pathOf = (i: number) => villages[i % villages.length]!.path;
  const ids = Array.from({ length: RESIDENTS }, () => new Types.ObjectId());
  const counts: Record<string, number> = {};
  const lean = { lean: true } as const;
  counts.residents = await batched(function* () {
    for (let i = 0; i < RESIDENTS; i++) {
      yield { _id: ids[i], openid: `b${i}`, createdAt: at(i % 300), lastLoginAt: at(i % 300), villageCode: pathOf(i)[2], areaPath: pathOf(i), elderlyMode: false,
        consents: i % 4 ? { basic: { policyVersion: '2026-11', grantedAt: at(i % 300) } } : {} };
    }
  }, (b) => Residents(t.db).insertMany(b, lean));
  const rounds = [at(60), at(280)].map((startAt, k) => ({ _id: new Types.ObjectId(), kind: 'assessment', title: `第${k + 1}轮`, startAt, endAt: new Date(startAt.getTime() + 20 * 86_400_000), areaCode: '370303', areaPath: ['370303'],
    drawRules: [], timeLimitSec: 1800, attemptsPerDay: 1, attemptsTotal: 1, passScore: 80, status: 'closed', createdBy: 'bench', createdAt: startAt, updatedAt: startAt }));
  await Contests(t.db).insertMany(rounds);
  // A year of quizzes: every resident a few daily quizzes, a third of them each literacy round.
  const submissionsOf = function* (i: number) {
    const base = { residentId: ids[i]!, areaPath: pathOf(i), results: [], correct: 5, total: 10, passed: true, durationMs: 60_000, tooFast: false };
    for (let d = 0; d < 1 + (i % 3); d++) yield { ...base, mode: 'daily' as const, day: '2026-05-01', score: 40 + ((i + d) % 7) * 10, submittedAt: at(30 + d * 40 + (i % 20)) };
    for (const [k, r] of rounds.entries()) if ((i + k) % 3 === 0) yield { ...base, mode: 'contest' as const, contestId: r._id, day: '2026-05-01', score: 50 + ((i * 7 + k) % 50), submittedAt: new Date(r.startAt.getTime() + 3_600_000) };
  };
  counts.submissions = await batched(function* () {
    for (let i = 0; i < RESIDENTS; i++) yield* submissionsOf(i);
  }, (b) => Submissions(t.db).insertMany(b, lean));
  // The figures as a deployment has them: recounted once from the submissions (the start-up recount), then
  // the last submissions' tallies still waiting for the worker's fold, which the report does itself.
  const rebuilt = await rebuildQuizFigures(t.app, { again: true });
  counts.participations = rebuilt?.inserted ?? 0;
  const recent = Array.from({ length: WAITING_TALLIES }, (_, i) => ({ _id: new Types.ObjectId(), residentId: ids[i]!, areaPath: pathOf(i), mode: 'daily' as const, day: '2026-11-30', results: [],
    correct: 8, total: 10, score: 80, passed: true, durationMs: 60_000, tooFast: false, submittedAt: at(333) }));
  await Submissions(t.db).insertMany(recent, lean);
  await QuizTallies(t.db).collection.insertMany(recent.map((r) => ({ _id: r._id, residentId: r.residentId, areaPath: r.areaPath, mode: r.mode, score: r.score, submittedAt: r.submittedAt })) as never[]);
  counts.submissions += recent.length;
  counts['tallies waiting to be folded'] = recent.length;
  const talks = Array.from({ length: 1200 }, (_, i) => ({ _id: new Types.ObjectId(), kind: ['lecture', 'screening', 'checkup', 'youth', 'other'][i % 5], title: `讲座${i}`, venue: '村委会', areaCode: pathOf(i)[2], areaPath: pathOf(i),
    startAt: at(i % 320), endAt: at(i % 320), capacity: 60, maxSeatsPerRegistration: 1, signupOpensAt: at(0), signupClosesAt: at(i % 320), cancelCutoffAt: at(i % 320), eligibility: {},
    waitlistEnabled: false, waitlistCap: 0, status: 'finished', checkinScene: `t=${i}`, createdBy: 'bench', createdAt: at(0), updatedAt: at(0) }));
  await Talks(t.db).insertMany(talks, lean);
  counts.talks = talks.length;
  counts.registrations = await batched(function* () {
    for (let i = 0; i < 48_000; i++) {
      const tk = talks[i % talks.length]!;
      yield { _id: new Types.ObjectId(), talkId: tk._id, residentId: ids[i % RESIDENTS], areaPath: tk.areaPath, seats: 1, status: i % 10 ? 'confirmed' : 'cancelled', seq: i, createdAt: at(0) };
    }
  }, (b) => Registrations(t.db).insertMany(b, lean));
  counts.attendance = await batched(function* () {
    for (let i = 0; i < 36_000; i++) {
      const tk = talks[i % talks.length]!;
      yield { _id: `${String(tk._id)}:${i}`, talkId: tk._id, residentId: ids[i % RESIDENTS], registrationId: new Types.ObjectId(), areaPath: tk.areaPath, via: 'scan', at: tk.startAt };
    }
  }, (b) => Attendance(t.db).insertMany(b, lean));
  counts.feedback = await batched(function* () {
    for (let i = 0; i < 12_000; i++) {
      const tk = talks[i % talks.length]!;
      yield { _id: `${String(tk._id)}:${i}`, talkId: tk._id, residentId: ids[i % RESIDENTS], expertIds: [], areaPath: tk.areaPath, rating: 3 + (i % 3), commentState: 'none', at: tk.startAt };
    }
  }, (b) => Feedback(t.db).insertMany(b, lean));
  const referrals = Array.from({ length: 400 }, (_, i) => ({ _id: new Types.ObjectId(), residentId: ids[i], villageCode: pathOf(i)[2], areaPath: pathOf(i), status: ['submitted', 'referred', 'completed', 'not_eligible'][i % 4], seq: 2, createdAt: at(i % 300), updatedAt: at(i % 300) }));
  await Referrals(t.db).insertMany(referrals, lean);
  await ReferralTransitions(t.db).insertMany(referrals.filter((r) => r.status !== 'submitted').map((r) => ({ referralId: r._id, seq: 1, from: 'submitted', to: 'referred', actorType: 'staff', actorId: 'b', at: new Date(r.createdAt.getTime() + 5 * 86_400_000) })), lean);
  counts.referrals = referrals.length;
  counts.enrolments = await batched(function* () {
    for (let i = 0; i < 15_000; i++) {
      yield { productId: new Types.ObjectId(), residentId: ids[i], villageCode: pathOf(i)[2], areaPath: pathOf(i), insured: Array.from({ length: 1 + (i % 3) }, () => ({ relation: '本人', planCode: 'A', premiumFen: 5000 })),
        totalFen: 5000 * (1 + (i % 3)), status: ['submitted', 'paid', 'issued', 'cancelled'][i % 4], seq: 1, createdAt: at(i % 300), updatedAt: at(i % 300) };
    }
  }, (b) => Enrolments(t.db).insertMany(b, lean));
  const rooms = villages.map((v, i) => ({ _id: new Types.ObjectId(), wxRoomId: `r${i}`, topic: `${v.name}群`, areaCode: v.code, areaPath: v.path, areaName: v.name, boundBy: { contactId: 'c', code: 'x' }, boundAt: at(0), active: true, updatedAt: at(0) }));
  await BotRooms(t.db).insertMany(rooms, lean);
  counts.groupMessages = await batched(function* () {
    for (let i = 0; i < 30_000; i++) {
      const r = rooms[i % rooms.length]!;
      yield { key: `b:${i}`, channel: 'room', payload: { roomId: String(r._id), text: '健康小贴士' }, status: i % 20 ? 'sent' : 'dead', notBefore: at(i % 330), attempts: 1, maxAttempts: 5, source: {}, areaPath: r.areaPath, createdAt: at(i % 330) };
    }
  }, (b) => Outbox(t.db).insertMany(b, lean));
  counts.villages = villages.length;
  return counts;
}

export default async function reportBench(h: BenchHarness): Promise<void> {
  const { t } = h;
  const seedStart = Date.now();
  const counts = await seed(h);
  h.print(`seeded (${h.dbKind}) in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`, counts);
  const admin = await staffLogin(t, 'district_admin', '370303');
  // node:http rather than fetch: a loaded machine may take longer than fetch's five-minute wait for headers.
  const get = (qs: string) => new Promise<number>((resolve, reject) => {
    http.get(`${t.url}/api/admin/v1/reports/yearly?${qs}`, { headers: { authorization: `Bearer ${admin.token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        if (res.statusCode !== 200) reject(new Error(`${res.statusCode} ${bytes.toString().slice(0, 200)}`));
        else resolve(bytes.length);
      });
    }).on('error', reject);
  });
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(', ');
  const count = await measure(() => Residents(t.db).countDocuments({ areaPath: '370303' }));
  console.log(`  (baseline count: ${(count.ms / 1000).toFixed(2)} s, load average ${load()})`);
  // Each section alone, one after another, to see where the time goes.
  const towns = await Areas(t.db).find({ parentCode: '370303' }, { code: 1 }).lean();
  const scope: FigureScope = { root: '370303', codes: ['370303', ...towns.map((x) => x.code)], ...shanghaiYear(2026), now: new Date('2026-12-20T00:00:00Z') };
  const sectionTimes: Record<string, string> = {};
  // REPORT_BENCH_SECTIONS=0 skips them (they take as long again as the report).
  if (process.env.REPORT_BENCH_SECTIONS !== '0') for (const [name, fn] of Object.entries({
    residents: () => residentFigures(t.app, scope), 'quiz and literacy': () => quizYearFigures(t.app, { ...scope, rootPath: ['370303'] }),
    talks: () => talkFigures(t.app, scope), referrals: () => referralFigures(t.app, scope), insurance: () => insuranceFigures(t.app, scope), groups: () => groupFigures(t.app, scope),
  })) {
    sectionTimes[name] = `${((await measure(fn)).ms / 1000).toFixed(2)} s`;
    console.log(`  (${name}: ${sectionTimes[name]})`);
  }
  h.print('sections alone (district scope)', sectionTimes);
  const row = (m: Awaited<ReturnType<typeof measure>>) => `${(m.ms / 1000).toFixed(2)} s · ratio ${(m.ms / count.ms).toFixed(1)}× the count · heap +${m.heapGrowthMb.toFixed(0)} MB · rss +${m.rssGrowthMb.toFixed(0)} MB · ${m.out} bytes`;
  const json = await measure(() => get('year=2026&format=json'));
  console.log(`  (district JSON: ${row(json)}, load average ${load()})`);
  const xlsx = await measure(() => get('year=2026&format=xlsx'));
  const docx = await measure(() => get('year=2026&format=docx'));
  const town = await measure(() => get(`year=2026&format=json&area=${encodeURIComponent('370303-JD-MS')}`));
  h.print(`yearly report over ${RESIDENTS.toLocaleString('en')} residents and a year of activity`, {
    'load average (1, 5, 15 min) at the end': load(),
    'baseline: countDocuments(residents in district)': `${(count.ms / 1000).toFixed(2)} s (${String(count.out)} residents)`,
    'district report, JSON': row(json),
    'district report, XLSX (streamed)': row(xlsx),
    'district report, DOCX': row(docx),
    'town report (马尚街道), JSON': row(town),
  });
}
