import { Types } from 'mongoose';
import type { BenchHarness } from './harness';
import { Registrations, Seats } from '../../src/modules/talks/talks.model';
import { seedVillages, staffLogin, TOWN_MS } from '../../test/helpers/fixtures';
import { bulkResidents, publishedTalk } from '../../test/helpers/talks';

/**
 * The issue asks for 2,000 residents. On the 2-core test machine (FerretDB on SQLite, ~60 writes/s shared with
 * other work) that storm takes over 5 minutes, so the default is 1,000; set TALKS_BENCH_RESIDENTS=2000 on a
 * bigger machine or a real MongoDB. The sizes used are printed.
 */
const RESIDENTS = Number(process.env.TALKS_BENCH_RESIDENTS ?? 1000);
const SEATS = Number(process.env.TALKS_BENCH_SEATS ?? 100);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * Issue 4: a sign-up storm — every resident sends POST /registrations at the same moment for a session with
 * far fewer seats. Residents and their tokens are written straight to the database for speed.
 */
export default async function talks(h: BenchHarness): Promise<void> {
  await seedVillages(h.t);
  const staff = await staffLogin(h.t, 'town_admin', TOWN_MS);
  const talk = await publishedTalk(h.t, staff.token, { capacity: SEATS });
  const residents = await bulkResidents(h.t, RESIDENTS);

  await h.load({ title: 'warm-up', path: '/healthz', durationSec: 1 });
  const health = await h.load({ title: 'healthz', path: '/healthz', connections: 50, durationSec: 5 });

  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  const started = Date.now();
  await Promise.all(
    residents.map(async (r, i) => {
      const t0 = performance.now();
      const res = await h.t.request('POST', `/api/v1/talks/${talk.id}/registrations`, {
        token: r.token,
        body: {},
        headers: { 'idempotency-key': `bench-${i}-${r.id}` },
      });
      latencies.push(performance.now() - t0);
      const k = res.status === 201 ? String(res.body.status) : `${res.status} ${res.body?.error?.code ?? ''}`;
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);

  const id = new Types.ObjectId(talk.id);
  const seats = await Seats(h.t.db).find({ talkId: id }).lean();
  const confirmed = await Registrations(h.t.db).find({ talkId: id, status: 'confirmed' }).lean();
  const waitlisted = await Registrations(h.t.db).find({ talkId: id, status: 'waitlisted' }).lean();
  const seatSum = confirmed.reduce((s, r) => s + r.seats, 0);
  // queue order is (walk number, _id): every confirmed registration must come before every waitlisted one
  const key = (r: { seq: number; _id: Types.ObjectId }) => `${String(r.seq).padStart(10, '0')}:${String(r._id)}`;
  const ordered = waitlisted.length === 0 || confirmed.map(key).sort().pop()! < waitlisted.map(key).sort()[0]!;
  const rate = RESIDENTS / elapsed;

  h.print(`talks sign-up storm (database: ${h.dbKind}, ${RESIDENTS} concurrent residents, ${SEATS} seats)`, {
    'confirmed (must equal seats)': `${statuses.get('confirmed') ?? 0} replies / ${confirmed.length} in database`,
    waitlisted: `${statuses.get('waitlisted') ?? 0} replies / ${waitlisted.length} in database`,
    'other replies':
      [...statuses.entries()]
        .filter(([k]) => k !== 'confirmed' && k !== 'waitlisted')
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || 'none',
    'invariant: seat slots == confirmed seats': `${seats.length} == ${seatSum} ${seats.length === seatSum ? 'OK' : 'FAIL'}`,
    'invariant: distinct seat numbers ≤ capacity':
      new Set(seats.map((s) => s.seatNo)).size === seats.length && seats.every((s) => s.seatNo <= SEATS) ? 'OK' : 'FAIL',
    'invariant: confirmed all queued before waitlisted': ordered ? 'OK' : 'FAIL',
    'sign-up latency p50 / p99 ms': `${pct(latencies, 50).toFixed(0)} / ${pct(latencies, 99).toFixed(0)}`,
    'storm duration s': elapsed.toFixed(1),
    'sign-ups decided per second': rate.toFixed(0),
    'GET /healthz requests/s (same run)': health.rps,
    'GET /healthz p50 / p99 ms': `${health.p50} / ${health.p99}`,
    'ratio sign-ups/s / healthz': (rate / health.rps).toFixed(4),
  });
  if (confirmed.length !== SEATS || seats.length !== seatSum || !ordered) process.exitCode = 1;
}
