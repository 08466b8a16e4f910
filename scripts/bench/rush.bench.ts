/**
 * Issue 13: a village-wide push. Every figure is printed beside the database commands and writes it cost per
 * request (counted by the wire-protocol proxy between the app and the database), the Node CPU per request
 * (this process, which holds only the service: requests come from a separate load process) and its ratio to /healthz measured in the same run.
 * Sizes: RUSH_STORM residents for RUSH_SEATS seats (default 1,000 / 100), RUSH_QUIZ concurrent quiz starts and
 * submits (default 150); single-request costs are measured one request at a time. BENCH_CPU_PROF=<file>
 * profiles the storm (or BENCH_CPU_PROF_OF=<title> another measurement): see ./profile.ts.
 */
import { Types } from 'mongoose';
import { spec, type BenchHarness } from './harness';
import { profiled } from './profile';
import type { Fired, RequestSpec } from './load-client';
import { Registrations, Seats } from '../../src/modules/talks/talks.model';
import { seedVillages, staffLogin, TOWN_MS } from '../../test/helpers/fixtures';
import { bulkResidents, publishedTalk, type BulkResident } from '../../test/helpers/talks';
import { createContest, districtAdmin, seedQuestionBank } from '../../test/helpers/quiz';
import { Attempts } from '../../src/modules/quiz/quiz.model';

const STORM = Number(process.env.RUSH_STORM ?? 1000);
const SEATS = Number(process.env.RUSH_SEATS ?? 100);
const QUIZ_N = Number(process.env.RUSH_QUIZ ?? 150);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Row {
  what: string;
  n: number;
  p50: number;
  p99: number;
  commands: number;
  writes: number;
  cpu: number;
  note?: string;
  /** Commands by target (`find residents`) with the server's milliseconds, for RUSH_DETAIL=1. */
  targets: string;
}

const targetsOf = (w: { byTarget: Record<string, number>; msByTarget: Record<string, number> }, n: number) =>
  Object.entries(w.byTarget)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${(v / n).toFixed(2)} (${w.msByTarget[k]} ms)`)
    .join('; ');

export default async function rush(h: BenchHarness): Promise<void> {
  const { t } = h;
  const rows: Row[] = [];
  let uniq = 0;
  const key = () => `rush-${process.pid}-${++uniq}`;

  /**
   * The requests all in flight at once, sent by the load process; counts and this process's CPU (the service's
   * own) over the whole batch. `seen` gets each reply.
   */
  async function measure(what: string, requests: RequestSpec[], seen?: (res: Fired, i: number) => void, note?: string): Promise<void> {
    await h.wire.reset();
    // BENCH_CPU_PROF profiles the storm, or the measurement BENCH_CPU_PROF_OF names (./profile.ts)
    const { replies, cpu } = await profiled(
      what,
      async () => {
        // the service's CPU from the first request sent to the last reply received
        let cpu0 = cpuMs();
        let cpu = 0;
        const replies = await h.fire('all', requests, { started: () => (cpu0 = cpuMs()), finished: () => (cpu = cpuMs() - cpu0) });
        return { replies, cpu };
      },
      what.startsWith('sign-up storm'),
    );
    const w = await h.wire.read();
    replies.forEach((res, i) => seen?.(res, i));
    const lat = replies.map((r) => r.ms).sort((a, b) => a - b);
    rows.push({
      what,
      n: requests.length,
      p50: pct(lat, 50),
      p99: pct(lat, 99),
      commands: w.commands / requests.length,
      writes: w.writes / requests.length,
      cpu: cpu / requests.length,
      note,
      targets: targetsOf(w, requests.length),
    });
  }
  /** One request at a time, `n` times (`next(i)` makes the i-th once the one before it is answered). */
  async function serial(what: string, n: number, next: (i: number) => RequestSpec, seen: (res: Fired, i: number) => void, note?: string): Promise<void> {
    await h.wire.reset();
    let cpu = 0;
    const lat: number[] = [];
    for (let i = 0; i < n; i++) {
      let cpu0 = cpuMs();
      const [res] = await h.fire('serial', [next(i)], { started: () => (cpu0 = cpuMs()), finished: () => (cpu += cpuMs() - cpu0) });
      lat.push(res!.ms);
      seen(res!, i);
    }
    const w = await h.wire.read();
    lat.sort((a, b) => a - b);
    rows.push({ what, n, p50: pct(lat, 50), p99: pct(lat, 99), commands: w.commands / n, writes: w.writes / n, cpu: cpu / n, note, targets: targetsOf(w, n) });
  }
  const expect = (ok: number[], what: string) => (res: { status: number; body: any }) => {
    if (!ok.includes(res.status)) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  };

  await seedVillages(t);
  const staff = await staffLogin(t, 'town_admin', TOWN_MS);
  const residents = await bulkResidents(t, STORM + 60);
  const [stormers, singles] = [residents.slice(0, STORM), residents.slice(STORM)];

  // the baseline: /healthz, one at a time and 200 at once
  const healthz = spec('GET', '/healthz');
  await serial('GET /healthz (one at a time)', 200, () => healthz, expect([200], 'healthz'));
  await measure(
    'GET /healthz (200 at once)',
    Array.from({ length: 200 }, () => healthz),
    expect([200], 'healthz'),
  );
  const health = rows[1]!;

  // GET /me: the session and resident reads every resident request pays
  const me = singles[0]!;
  await serial('GET /api/v1/me', 100, () => spec('GET', '/api/v1/me', { token: me.token }), expect([200], 'me'));

  // single sign-ups on an empty session of 3 seats: #1, a replay of #1, #2..#3, then a waitlisted one. A
  // resident signs up from the session's page, so each first opens it (not counted); the sign-up after a
  // cold start (nothing cached) is measured too
  const small = await publishedTalk(t, staff.token, { capacity: 3, waitlistEnabled: true });
  const signUp = (r: BulkResident, talkId: string, k = key()) =>
    spec('POST', `/api/v1/talks/${talkId}/registrations`, { token: r.token, body: {}, headers: { 'idempotency-key': k } });
  const opened = (r: BulkResident, talkId: string) => h.fire('serial', [spec('GET', `/api/v1/talks/${talkId}`, { token: r.token })]);
  const firstKey = key();
  await opened(singles[1]!, small.id);
  await serial('sign-up #1 (empty session, after opening its page)', 1, () => signUp(singles[1]!, small.id, firstKey), expect([201], 'sign-up #1'));
  await serial('sign-up replay (same Idempotency-Key)', 1, () => signUp(singles[1]!, small.id, firstKey), expect([201], 'replay'));
  for (const r of singles.slice(2, 9)) await opened(r, small.id);
  await serial('sign-up #2–#3 (seats left, after opening its page)', 2, (i) => signUp(singles[2 + i]!, small.id), expect([201], 'sign-up'));
  await serial('sign-up waitlisted (after opening its page)', 5, (i) => signUp(singles[4 + i]!, small.id), expect([201], 'waitlisted'));
  // a resident who made no request yet, a session nobody opened for longer than the talk cache keeps it (1 s)
  const cold = await publishedTalk(t, staff.token, { capacity: 3, waitlistEnabled: true });
  await new Promise((r) => setTimeout(r, 1_500));
  await serial('sign-up #1 (empty session, nothing cached)', 1, () => signUp(singles[9]!, cold.id), expect([201], 'sign-up cold'));

  // the storm: everyone at once for far fewer seats
  const talk = await publishedTalk(t, staff.token, { capacity: SEATS, waitlistEnabled: true, waitlistCap: 0 });
  const statuses = new Map<string, number>();
  const stormStart = Date.now();
  // /healthz during the storm: probes one after another from its start (each sent when the one before is
  // answered); those answered before the storm's last reply count
  const probes = h.fire(
    'serial',
    Array.from({ length: 40 }, () => healthz),
  );
  await measure(
    `sign-up storm (${STORM} at once, ${SEATS} seats)`,
    stormers.map((r) => signUp(r, talk.id)),
    (res: { status: number; body: any }) => {
      const k = res.status === 201 ? String(res.body.status) : `${res.status} ${res.body?.error?.code ?? ''}`;
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
    },
  );
  const stormSec = (Date.now() - stormStart) / 1000;
  let elapsed = 0;
  const during = (await probes)
    .filter((p) => (elapsed += p.ms) <= stormSec * 1000)
    .map((p) => p.ms)
    .sort((a, b) => a - b);
  if (process.env.RUSH_TRACE) {
    // the storm's commands in order: reply time (ms since the storm began), command, server ms, documents
    for (const c of await h.wire.trace())
      console.log(`  trace ${String(c.t).padStart(6)} ${c.cmd} ${c.coll ?? ''} ${c.ms.toFixed(1)} ms${c.docs ? ` ×${c.docs}` : ''}`);
  }
  const id = new Types.ObjectId(talk.id);
  const seats = await Seats(t.db).countDocuments({ talkId: id });
  const confirmed = await Registrations(t.db).countDocuments({ talkId: id, status: 'confirmed' });

  // my registrations beside that session: a resident with one sign-up elsewhere
  const mine = singles[1]!;
  await serial(
    `GET /api/v1/me/registrations (beside a ${STORM}-person session)`,
    20,
    () => spec('GET', '/api/v1/me/registrations', { token: mine.token }),
    expect([200], 'me/registrations'),
  );

  // quiz: a contest of 10 questions, starts and submits one at a time and QUIZ_N at once (RUSH_QUIZ=0 leaves it out)
  if (QUIZ_N > 0) await quiz();
  async function quiz(): Promise<void> {
    await seedQuestionBank(t.app);
    const admin = await districtAdmin(t);
    const contest = await createContest(t, admin.token, { drawRules: [{ tags: ['hl66-2024'], count: 10 }], attemptsPerDay: 20, attemptsTotal: 20 });
    const start = (r: BulkResident) =>
      spec('POST', `/api/v1/quiz/contests/${contest}/attempts`, { token: r.token, body: {}, headers: { 'idempotency-key': key() } });
    const submit = async (r: BulkResident, attemptId: string) => {
      const a = await Attempts(t.db).findById(attemptId).lean();
      const answers = a!.items.map((it) => ({ questionId: String(it.questionId), choice: ['A'] }));
      return spec('POST', `/api/v1/quiz/attempts/${attemptId}/submit`, { token: r.token, body: { answers }, headers: { 'idempotency-key': key() } });
    };
    const quizzer = singles[10]!;
    const started: string[] = [];
    const startedOk = (ids: string[]) => (res: { status: number; body: any }, i: number) => {
      expect([201], 'start')(res);
      ids[i] = res.body.id;
    };
    await serial('quiz attempt start (1st, 2nd, 3rd of a resident)', 3, () => start(quizzer), startedOk(started));
    const sends = await Promise.all(started.map((a) => submit(quizzer, a)));
    t.clock.advance(60_000);
    await serial('quiz submit', sends.length, (i) => sends[i]!, expect([200], 'submit'));
    const crowd = stormers.slice(0, QUIZ_N);
    const ids: string[] = [];
    await measure(`quiz attempt start (${QUIZ_N} at once)`, crowd.map(start), startedOk(ids));
    const crowdSends = await Promise.all(crowd.map((r, i) => submit(r, ids[i]!)));
    t.clock.advance(60_000);
    await measure(`quiz submit (${QUIZ_N} at once)`, crowdSends, expect([200], 'submit'));
  }

  const f = (x: number, d = 1) => x.toFixed(d);
  console.log(`\n== rush (database: ${h.dbKind}); ratios are p50 latency and CPU per request against /healthz in this run`);
  console.log(
    `  ${'request'.padEnd(58)} ${'n'.padStart(5)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'cmds/req'.padStart(9)} ${'writes/req'.padStart(10)} ${'CPU ms/req'.padStart(10)} ${'p50×hz'.padStart(8)} ${'CPU×hz'.padStart(8)}`,
  );
  const hzSerial = rows[0]!;
  for (const r of rows) {
    const base = r.what.includes('at once') || r.what.includes('storm') ? rows[1]! : hzSerial;
    console.log(
      `  ${r.what.padEnd(58)} ${String(r.n).padStart(5)} ${f(r.p50).padStart(8)} ${f(r.p99).padStart(8)} ${f(r.commands, 2).padStart(9)} ${f(r.writes, 2).padStart(10)} ${f(r.cpu, 2).padStart(10)} ${f(r.p50 / base.p50, 0).padStart(8)} ${f(r.cpu / base.cpu, 1).padStart(8)}`,
    );
    if (process.env.RUSH_DETAIL) console.log(`      ${r.targets}`);
  }
  const storm = rows.find((r) => r.what.startsWith('sign-up storm'))!;
  h.print('sign-up storm outcome', {
    replies: [...statuses].map(([k, v]) => `${k}: ${v}`).join(', '),
    'confirmed in database / seat slots (must equal seats)': `${confirmed} / ${seats} (seats ${SEATS}) ${confirmed === SEATS && seats === SEATS ? 'OK' : 'FAIL'}`,
    'storm duration s / sign-ups decided per second': `${f(stormSec)} / ${f(STORM / stormSec, 0)}`,
    'storm p99 ms / healthz (200 at once) p99 ms': `${f(storm.p99, 0)} / ${f(health.p99, 0)}`,
    'storm p50 ÷ p99 (goal ≤ 0.5: replies leave as seats are decided)': f(storm.p50 / storm.p99, 2),
    '/healthz during the storm: probes, p50 / max ms (goal ≤ 200)': `${during.length}, ${f(pct(during, 50), 0)} / ${f(during[during.length - 1] ?? 0, 0)}`,
  });
  if (confirmed !== SEATS || seats !== SEATS) process.exitCode = 1;
}
