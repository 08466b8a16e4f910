import type { BenchHarness } from './harness';
import { residentLogin, seedVillages, VILLAGE_A } from '../../test/helpers/fixtures';

/** Issue 2: requests/s of /healthz and of an authenticated GET /api/v1/me, and their ratio. */
export default async function platform(h: BenchHarness): Promise<void> {
  await seedVillages(h.t);
  const { token } = await residentLogin(h.t, 'bench', { village: VILLAGE_A, phone: '13800001234', realName: '张三' });
  await h.load({ title: 'warm-up', path: '/healthz', durationSec: 1 });
  const health = await h.load({ title: 'healthz', path: '/healthz', connections: 50, durationSec: 5 });
  const me = await h.load({ title: 'me', path: '/api/v1/me', connections: 50, durationSec: 5, headers: { authorization: `Bearer ${token}` } });
  h.print(`platform (database: ${h.dbKind}, 50 connections, 5 s each)`, {
    'GET /healthz requests/s': health.rps,
    'GET /healthz p50 / p99 ms': `${health.p50} / ${health.p99}`,
    'GET /api/v1/me requests/s': me.rps,
    'GET /api/v1/me p50 / p99 ms': `${me.p50} / ${me.p99}`,
    'GET /api/v1/me non-2xx': me.non2xx,
    'ratio me / healthz': (me.rps / health.rps).toFixed(3),
  });
}
