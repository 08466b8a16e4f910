import { performance } from 'node:perf_hooks';
import { seedQuestionBank } from '../../src/modules/quiz/bank.service';
import { activeQuestions, draw } from '../../src/modules/quiz/pool';
import { practiceQuestions, reservedNow } from '../../src/modules/quiz/reserved';
import { createStaff } from '../../src/modules/staff/staff.service';
import { residentLogin, seedVillages, VILLAGE_A } from '../../test/helpers/fixtures';
import type { BenchHarness } from './harness';

/**
 * Issue 14: what holding an open round's questions back costs topic practice (the hot path that now filters by
 * the reserved set), measured with no reserving round and with one open, against /healthz in the same run.
 */
export default async function reserve(h: BenchHarness): Promise<void> {
  await seedVillages(h.t);
  await seedQuestionBank(h.t.app);
  const tokens: string[] = [];
  for (let i = 0; i < 20; i++) tokens.push((await residentLogin(h.t, `bench-practice-${i}`, { village: VILLAGE_A })).token);
  const practice = (title: string) =>
    h.load({
      title,
      path: '/api/v1/quiz/practice',
      method: 'POST',
      connections: 10,
      durationSec: 5,
      body: { topic: 'hl66-2024', count: 10 },
      cycle: tokens.map((token) => ({ headers: { authorization: `Bearer ${token}` } })),
    });
  await h.load({ title: 'warm-up', path: '/healthz', durationSec: 1 });
  const health = await h.load({ title: 'healthz', path: '/healthz', connections: 10, durationSec: 3 });
  const before = await practice('practice, no reserving round');

  await createStaff(h.t.app, { username: 'bench-admin', password: 'correct-horse-battery', role: 'district_admin', areaCode: '370303' });
  const admin = (await h.t.request('POST', '/api/admin/v1/auth/login', { body: { username: 'bench-admin', password: 'correct-horse-battery' } })).body
    .token as string;
  const now = h.t.clock.now().getTime();
  const contest = await h.t.request('POST', '/api/admin/v1/quiz/contests', {
    token: admin,
    body: {
      title: '健康素养测评',
      startAt: new Date(now - 3600_000).toISOString(),
      endAt: new Date(now + 7 * 86400_000).toISOString(),
      areaCode: '370303',
      drawRules: [{ tags: ['hl66-2024'], count: 50 }],
      timeLimitSec: 1800,
      attemptsPerDay: 1,
      attemptsTotal: 1,
      passScore: 80,
      reserveQuestions: true,
    },
  });
  await h.t.request('POST', `/api/admin/v1/quiz/contests/${contest.body.id}/publish`, { token: admin });
  const reserved = await reservedNow(h.t.app);
  const during = await practice('practice, one reserving round open');

  // The added work in process: the practice pool (active minus reserved, cached) against the active pool.
  const pool = await activeQuestions(h.t.app);
  const rounds = 10_000;
  let t0 = performance.now();
  for (let i = 0; i < rounds; i++) await activeQuestions(h.t.app);
  const activeUs = ((performance.now() - t0) * 1000) / rounds;
  t0 = performance.now();
  for (let i = 0; i < rounds; i++) await practiceQuestions(h.t.app);
  const practiceUs = ((performance.now() - t0) * 1000) / rounds;
  const practicePool = await practiceQuestions(h.t.app);
  t0 = performance.now();
  for (let i = 0; i < rounds; i++) draw(pool, [{ tags: ['hl66-2024'], count: 10 }]);
  const drawUs = ((performance.now() - t0) * 1000) / rounds;
  t0 = performance.now();
  for (let i = 0; i < rounds; i++) draw(practicePool, [{ tags: ['hl66-2024'], count: 10 }]);
  const drawPracticeUs = ((performance.now() - t0) * 1000) / rounds;

  h.print(`reserved questions (database: ${h.dbKind}; bank ${pool.length} questions, ${reserved.size} reserved; 10 connections, 5 s each)`, {
    'GET /healthz requests/s': health.rps,
    'POST practice, no reserving round: requests/s': `${before.rps} (non-2xx ${before.non2xx})`,
    'POST practice, no reserving round: p50 / p99 ms': `${before.p50} / ${before.p99}`,
    'POST practice, round open: requests/s': `${during.rps} (non-2xx ${during.non2xx})`,
    'POST practice, round open: p50 / p99 ms': `${during.p50} / ${during.p99}`,
    'ratio practice / healthz (no round, round open)': `${(before.rps / health.rps).toFixed(3)}, ${(during.rps / health.rps).toFixed(3)}`,
    'pool read, cached (µs): active / practice (minus reserved)': `${activeUs.toFixed(2)} / ${practiceUs.toFixed(2)}`,
    'draw of 10 (µs): from active / from practice pool': `${drawUs.toFixed(1)} / ${drawPracticeUs.toFixed(1)}`,
  });
}
