import { performance } from 'node:perf_hooks';
import { Limiter } from '../../src/http/rate-limit';
import { LOGIN_LIMITS } from '../../src/modules/residents';
import { startTestApp } from '../../test/helpers/app';
import { type BenchHarness } from './harness';

/**
 * Issue 14: resident login limits. A village behind one NAT address logs in at once during a quiz push (every
 * request here comes from 127.0.0.1, so it is one address); one account hammering with fresh codes is stopped
 * at its share; and the limiter's own cost per request.
 */
export default async function login(h: BenchHarness): Promise<void> {
  const { perAddress, perAccount } = LOGIN_LIMITS;
  await h.load({ title: 'warm-up', path: '/healthz', durationSec: 1 });
  const health = await h.load({ title: 'healthz', path: '/healthz', connections: 20, durationSec: 3 });

  // A quiz push: `perAddress` different residents, first logins (one upsert and one session each), 20 at a time.
  let seq = perAddress;
  const started = Date.now();
  const village = await h.load({
    title: 'village push',
    path: '/api/v1/auth/login',
    method: 'POST',
    connections: 20,
    amount: perAddress,
    cycle: Array.from({ length: perAddress }, (_, i) => ({ body: { code: `user:bench-villager-${i + 1}:${i + 1}` } })),
  });
  const villageSec = (Date.now() - started) / 1000;
  // One more from the same address inside the same minute is over the address's bucket.
  const over = await h.t.request('POST', '/api/v1/auth/login', { body: { code: `user:bench-late:${++seq}` } });

  // One account hammering with a fresh code every time, against a second app so the address bucket is not the limit.
  const second = await startTestApp();
  const hammer = await h
    .load({
      url: second.url,
      title: 'one account hammering',
      path: '/api/v1/auth/login',
      method: 'POST',
      connections: 5,
      amount: 200,
      cycle: Array.from({ length: 200 }, (_, i) => ({ body: { code: `user:bench-hammer:${i + 1}` } })),
    })
    .finally(() => second.close());

  // The limiter alone: 100,000 takes over 10,000 keys.
  const limiter = new Limiter({ windowMs: 60_000, max: 1_000_000 });
  const t0 = performance.now();
  for (let i = 0; i < 100_000; i++) await limiter.take(`k${i % 10_000}`);
  const perTakeUs = ((performance.now() - t0) * 1000) / 100_000;

  h.print(`resident login limits (database: ${h.dbKind}; address bucket ${perAddress}/min, account bucket ${perAccount}/min)`, {
    'GET /healthz requests/s': health.rps,
    [`village push: ${perAddress} first logins, one address`]: `${village.requests - village.non2xx} accepted, ${village.non2xx} refused, ${village.errors} errors, ${villageSec.toFixed(1)} s`,
    'village push logins/s': village.rps,
    'village push p50 / p99 ms': `${village.p50} / ${village.p99}`,
    'ratio login / healthz': (village.rps / health.rps).toFixed(3),
    'next login from that address in the minute': over.status,
    'one account, 200 logins with fresh codes': `${hammer.requests - hammer.non2xx} accepted, ${hammer.non2xx} refused (429)`,
    'limiter cost per take (µs, in process)': perTakeUs.toFixed(2),
  });
}
