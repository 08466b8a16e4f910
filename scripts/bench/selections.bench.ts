import type { BenchHarness } from './harness';
import { Votes } from '../../src/modules/selections/selections.model';
import { seedVillages, staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B } from '../../test/helpers/fixtures';
import { advance, approvedCandidate, createRound } from '../../test/helpers/selections';
import { bulkResidents } from '../../test/helpers/talks';

/** Issue 15: 2,000 residents voting at the same moment on 20 candidates (SELECTIONS_BENCH_RESIDENTS to change). */
const RESIDENTS = Number(process.env.SELECTIONS_BENCH_RESIDENTS ?? 2000);
const CANDIDATES = 20;
/** Requests in flight at once: beyond a few hundred the loopback listen backlog resets connections. */
const IN_FLIGHT = Number(process.env.SELECTIONS_BENCH_IN_FLIGHT ?? 400);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export default async function selections(h: BenchHarness): Promise<void> {
  await seedVillages(h.t);
  const staff = await staffLogin(h.t, 'town_admin', TOWN_MS);
  const id = await createRound(h.t, staff.token, { votesPerDay: 3 });
  await advance(h.t, staff.token, id, 'nominating');
  const candidates: string[] = [];
  for (let i = 0; i < CANDIDATES; i++)
    candidates.push(await approvedCandidate(h.t, id, staff.token, staff.token, `候选家庭${i + 1}`, i % 2 ? VILLAGE_B : VILLAGE_A));
  await advance(h.t, staff.token, id, 'reviewing');
  const residents = await bulkResidents(h.t, RESIDENTS);
  h.t.clock.advance(2 * 86_400_000 + 60_000);
  const opener = await staffLogin(h.t, 'town_admin', TOWN_MS); // the first login has expired by now
  if ((await advance(h.t, opener.token, id, 'voting')).status !== 200) throw new Error('voting did not open');

  await h.load({ title: 'warm-up', path: '/healthz', durationSec: 1 });
  const health = await h.load({ title: 'healthz', path: '/healthz', connections: 50, durationSec: 5 });

  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, RESIDENTS) }, async () => {
      for (let i = next++; i < residents.length; i = next++) {
        const t0 = performance.now();
        const res = await h.t.request('POST', `/api/v1/selections/${id}/candidates/${candidates[i % CANDIDATES]}/vote`, { token: residents[i]!.token });
        latencies.push(performance.now() - t0);
        const k = res.status === 201 ? 'accepted' : `${res.status} ${res.body?.error?.code ?? ''}`;
        statuses.set(k, (statuses.get(k) ?? 0) + 1);
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const stored = await Votes(h.t.db).countDocuments({ selectionId: id });
  const results = await h.t.request('GET', `/api/admin/v1/selections/${id}/results`, { token: opener.token });
  const counted = (results.body.totals as Array<{ votes: number; flagged: number }>).reduce((n, x) => n + x.votes + x.flagged, 0);
  const rate = RESIDENTS / elapsed;

  h.print(`selections vote storm (database: ${h.dbKind}, ${RESIDENTS} residents at once, ${IN_FLIGHT} requests in flight, ${CANDIDATES} candidates)`, {
    'accepted (must equal residents)': statuses.get('accepted') ?? 0,
    'other replies':
      [...statuses.entries()]
        .filter(([k]) => k !== 'accepted')
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || 'none',
    'invariant: vote documents == accepted == results total': `${stored} == ${statuses.get('accepted') ?? 0} == ${counted} ${stored === (statuses.get('accepted') ?? 0) && stored === counted ? 'OK' : 'FAIL'}`,
    'vote latency p50 / p99 ms': `${pct(latencies, 50).toFixed(0)} / ${pct(latencies, 99).toFixed(0)}`,
    'storm duration s': elapsed.toFixed(1),
    'votes per second': rate.toFixed(0),
    'GET /healthz requests/s (same run)': health.rps,
    'GET /healthz p50 / p99 ms': `${health.p50} / ${health.p99}`,
    'ratio votes/s / healthz': (rate / health.rps).toFixed(4),
  });
  if (stored !== RESIDENTS || counted !== RESIDENTS) process.exitCode = 1;
}
