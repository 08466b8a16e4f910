/**
 * Contest leaderboards at scale: LB_RESIDENTS residents (default 20,000) with LB_SUBMISSIONS submissions
 * (default 200,000) in one contest, inserted in bulk with the best-result records an earlier version kept at
 * submit. Prints, each beside /healthz in the same run:
 * - the first fold of that contest: its board built from those records (the one-time start from older data);
 * - a cold board: a process holding nothing (as after a restart) reads the kept board and folds what is waiting;
 * - an incremental refresh: LB_TRICKLE new results (default 500, ten seconds of a rush) folded;
 * - at 100 and at 10 connections: GET /healthz, and GET leaderboard p50/p99 with the board kept and while the
 *   worker refreshes back to back, each refresh folding LB_TRICKLE new results.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Types } from 'mongoose';
import type { BenchHarness } from './harness';
import { profiled } from './profile';
import { Areas } from '../../src/modules/areas/areas.model';
import { Residents } from '../../src/modules/residents/residents.model';
import { issueToken } from '../../src/modules/sessions';
import { forgetBoards } from '../../src/modules/quiz/leaderboard-fold';
import { refreshLeaderboards } from '../../src/modules/quiz/leaderboard-reads';
import { QuizTallies, type TallyDoc } from '../../src/modules/quiz/figures.model';
import { QuizBests, QuizBoards, Submissions, type BestDoc, type SubmissionDoc } from '../../src/modules/quiz/quiz.model';
import { seedVillages, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../../test/helpers/fixtures';
import { createContest, districtAdmin, seedQuestionBank } from '../../test/helpers/quiz';

const RESIDENTS = Number(process.env.LB_RESIDENTS ?? 20_000);
const SUBMISSIONS = Number(process.env.LB_SUBMISSIONS ?? 200_000);
const TRICKLE = Number(process.env.LB_TRICKLE ?? 500);
/** Read loads: a rush's many phones, and a calmer moment. */
const CONNECTIONS = [100, 10];

export default async function leaderboard(h: BenchHarness): Promise<void> {
  const { t } = h;
  const app = t.app;
  const started = Date.now();
  const step = (what: string) => console.log(`  [${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
  await seedVillages(t);
  await seedQuestionBank(app);
  const admin = await districtAdmin(t);
  const cid = await createContest(t, admin.token, { attemptsPerDay: 20, attemptsTotal: 20 });
  const contestId = new Types.ObjectId(cid);
  const villages = await Areas(t.db)
    .find({ code: { $in: [VILLAGE_A, VILLAGE_B, VILLAGE_C] } })
    .lean();
  const now = app.clock.now();
  const ids: Types.ObjectId[] = [];
  for (let off = 0; off < RESIDENTS; off += 2_000) {
    const docs = Array.from({ length: Math.min(2_000, RESIDENTS - off) }, (_, j) => {
      const v = villages[(off + j) % villages.length]!;
      const _id = new Types.ObjectId();
      ids.push(_id);
      return {
        _id,
        openid: `lb-${off + j}`,
        createdAt: now,
        lastLoginAt: now,
        nameEnc: app.pii.seal(`居民${off + j}`),
        villageCode: v.code,
        areaPath: v.path,
        elderlyMode: false,
        consents: {},
      };
    });
    await Residents(t.db).insertMany(docs, { ordered: false, lean: true });
  }
  step(`${RESIDENTS} residents`);
  // submissions, and the best-result records an earlier version kept at submit (an insert when a score improved)
  const best = new Map<number, number>();
  for (let done = 0; done < SUBMISSIONS;) {
    const subs: SubmissionDoc[] = [];
    const bests: BestDoc[] = [];
    for (let j = 0; j < 5_000 && done < SUBMISSIONS; j++, done++) {
      const k = done % RESIDENTS;
      const v = villages[k % villages.length]!;
      const score = ((done * 7 + k * 13) % 11) * 10;
      const s: SubmissionDoc = {
        _id: new Types.ObjectId(),
        residentId: ids[k]!,
        mode: 'contest',
        contestId,
        day: '2026-11-28',
        villageCode: v.code,
        areaPath: v.path,
        results: [],
        correct: score / 10,
        total: 10,
        score,
        passed: score >= 60,
        durationMs: 60_000 + (done % 500) * 1000,
        tooFast: false,
        submittedAt: new Date(now.getTime() + done),
      };
      subs.push(s);
      if ((best.get(k) ?? -1) < score) {
        best.set(k, score);
        bests.push({
          _id: `${cid}:${String(s.residentId)}:${score}`,
          contestId,
          residentId: s.residentId,
          villageCode: v.code,
          score,
          durationMs: s.durationMs,
          at: s.submittedAt,
          submissionId: s._id,
        });
      }
    }
    await Submissions(t.db).collection.insertMany(subs, { ordered: false });
    if (bests.length) await QuizBests(t.db).collection.insertMany(bests as never[], { ordered: false });
    if (done % 50_000 === 0 || done === SUBMISSIONS) step(`${done} submissions`);
  }
  const records = await QuizBests(t.db).countDocuments({ contestId });
  const tokens = await Promise.all(ids.slice(0, 200).map((id) => issueToken(app, 'resident', id, 24).then((x) => x.token)));

  // what the submits of a rush leave for the worker: one tally each (a random resident, a random score, the masked name)
  let trickled = 0;
  const trickle = async () => {
    const docs: TallyDoc[] = Array.from({ length: TRICKLE }, (_, j) => {
      const k = (trickled * 7919 + j * 104_729) % RESIDENTS;
      const v = villages[k % villages.length]!;
      return {
        _id: new Types.ObjectId(),
        residentId: ids[k]!,
        areaPath: v.path,
        mode: 'contest',
        score: ((trickled + j) % 11) * 10,
        contestId,
        submittedAt: app.clock.now(),
        board: true,
        villageCode: v.code,
        durationMs: 45_000 + j,
        name: '居*',
        nameAt: app.clock.now(),
      };
    });
    trickled++;
    await QuizTallies(t.db).collection.insertMany(docs as never[], { ordered: false });
  };
  const timed = async (fn: () => Promise<unknown>) => {
    const t0 = Date.now();
    await fn();
    return Date.now() - t0;
  };
  /** A refresh timed, with the database commands it sent and where the server spent its time. */
  const counted = async (fn: () => Promise<unknown>) => {
    await h.wire.reset();
    const ms = await timed(fn);
    const w = await h.wire.read(0);
    const top = Object.entries(w.msByTarget)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 3)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    return `${ms} (${w.commands} commands, ${w.writes} writes; server ms: ${top})`;
  };

  const firstMs = await timed(() => refreshLeaderboards(app));
  const entries = (await QuizBoards(t.db).findById(cid).lean())?.entries.resident.length ?? 0;
  forgetBoards(app);
  await trickle();
  const coldMs = await counted(() => refreshLeaderboards(app));
  await trickle();
  const nextMs = await counted(() => refreshLeaderboards(app));
  const idleMs = await counted(() => refreshLeaderboards(app));
  step('boards folded');

  const scopes = ['district', 'town', 'village'];
  const reads = tokens.map((token, r) => ({
    path: `/api/v1/quiz/contests/${cid}/leaderboard?scope=${scopes[r % 3]}`,
    headers: { authorization: `Bearer ${token}` },
  }));
  /** A read load, with how long the service's event loop was held up meanwhile (p99 / max ms) and the database commands sent meanwhile per read (the worker's too while it refreshes). */
  const read = async (title: string, connections: number) => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    await h.wire.reset();
    // BENCH_CPU_PROF=<file> BENCH_CPU_PROF_OF='leaderboard-refreshing 10' profiles one of them (./profile.ts)
    const r = await profiled(`${title} ${connections}`, () => h.load({ title, path: '/', connections, durationSec: 5, cycle: reads }));
    const w = await h.wire.read(0);
    delay.disable();
    return {
      ...r,
      loop: `${Math.round(delay.percentile(99) / 1e6)} / ${Math.round(delay.max / 1e6)}`,
      commands: (w.commands / Math.max(1, r.requests)).toFixed(3),
    };
  };
  await read('warm-up', CONNECTIONS[0]!);
  const fmt = (r: { rps: number; p50: number; p99: number; non2xx: number; loop?: string; commands?: string }) =>
    `${r.rps}, ${r.p50} / ${r.p99}${r.non2xx ? ` (non-2xx ${r.non2xx})` : ''}${r.loop ? `; event loop delay p99 / max ${r.loop} ms; ${r.commands} DB commands per read` : ''}`;
  const rows: Record<string, string> = {};
  const refreshMs: number[] = [];
  for (const connections of CONNECTIONS) {
    const health = await h.load({ title: 'healthz', path: '/healthz', connections, durationSec: 5 });
    const kept = await read('leaderboard', connections);
    // the worker refreshing back to back, each refresh folding TRICKLE new results
    let stop = false;
    const refresher = (async () => {
      while (!stop) {
        await trickle();
        refreshMs.push(await timed(() => refreshLeaderboards(app)));
      }
    })();
    const during = await read('leaderboard-refreshing', connections);
    stop = true;
    await refresher;
    rows[`${connections} connections: GET /healthz requests/s, p50 / p99 ms`] = fmt(health);
    rows[`${connections} connections: GET leaderboard (kept)`] = fmt(kept);
    rows[`${connections} connections: GET leaderboard while refreshing`] = fmt(during);
  }
  refreshMs.sort((a, b) => a - b);
  h.print(`leaderboard (database: ${h.dbKind}, 5 s per load)`, {
    'residents / submissions in the contest': `${RESIDENTS} / ${await Submissions(t.db).countDocuments({ contestId })}`,
    'best-result records of the earlier version': records,
    'worker: first fold, board from those records ms': `${firstMs} (${entries} residents on the board)`,
    'worker: cold board (nothing in memory) ms': `${coldMs} (+${TRICKLE} new results)`,
    [`worker: next refresh (+${TRICKLE} results) ms`]: nextMs,
    'worker: refresh with nothing new ms': idleMs,
    ...rows,
    [`refreshes during the reads (+${TRICKLE} each): n, median / max ms`]: `${refreshMs.length}, ${refreshMs[Math.floor(refreshMs.length / 2)] ?? 0} / ${refreshMs[refreshMs.length - 1] ?? 0}`,
  });
}
