/**
 * Idempotency-Key cost against the number of keys kept: a creating route that stores its result (`idempotent:
 * true`, here topic practice) measured with an empty key store and again with IDEM_KEYS (default 20,000) keys
 * and results present, first requests and replays, each beside /healthz and with its database commands.
 */
import { Types } from 'mongoose';
import type { BenchHarness } from './harness';
import { IdempotencyKeys, IdempotencyResults } from '../../src/http/idempotency.model';
import { seedQuestionBank } from '../../test/helpers/quiz';
import { seedVillages } from '../../test/helpers/fixtures';
import { bulkResidents } from '../../test/helpers/talks';

const KEYS = Number(process.env.IDEM_KEYS ?? 20_000);
const N = 60;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export default async function idempotency(h: BenchHarness): Promise<void> {
  const { t } = h;
  await seedVillages(t);
  await seedQuestionBank(t.app);
  const residents = await bulkResidents(t, N);
  const rows: Array<Record<string, string>> = [];
  let uniq = 0;
  const measure = async (what: string, send: (i: number) => Promise<{ status: number }>) => {
    await h.wire.reset();
    const cpu0 = process.cpuUsage();
    const lat: number[] = [];
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      const res = await send(i);
      lat.push(performance.now() - t0);
      if (res.status >= 300) throw new Error(`${what}: ${res.status}`);
    }
    const cpu = process.cpuUsage(cpu0);
    const w = await h.wire.read();
    lat.sort((a, b) => a - b);
    rows.push({
      what,
      p50: pct(lat, 50).toFixed(1),
      p99: pct(lat, 99).toFixed(1),
      cmds: (w.commands / N).toFixed(2),
      writes: (w.writes / N).toFixed(2),
      cpu: ((cpu.user + cpu.system) / 1000 / N).toFixed(2),
    });
  };
  const practice = (i: number, key: string) =>
    t.request('POST', '/api/v1/quiz/practice', { token: residents[i]!.token, body: { topic: 'hl66-2024', count: 5 }, headers: { 'idempotency-key': key } });
  const round = async (label: string) => {
    await measure(`GET /healthz (${label})`, () => t.request('GET', '/healthz'));
    const keys = Array.from({ length: N }, () => `idem-bench-${process.pid}-${++uniq}`);
    await measure(`practice start, new key (${label})`, (i) => practice(i, keys[i]!));
    await measure(`practice start, replay (${label})`, (i) => practice(i, keys[i]!));
  };
  await round('no keys kept');
  // a day's keys of other callers, as the hourly purge leaves them
  const at = new Date(t.clock.now().getTime() - 3600_000);
  for (let off = 0; off < KEYS; off += 5_000) {
    const ids = Array.from({ length: Math.min(5_000, KEYS - off) }, (_, j) => `r:${String(new Types.ObjectId())}:POST:/api/v1/quiz/practice:bench-${off + j}`);
    await IdempotencyKeys(t.db).collection.insertMany(ids.map((_id) => ({ _id, createdAt: at })) as never[]);
    await IdempotencyResults(t.db).collection.insertMany(
      ids.map((_id) => ({ _id, status: 201, body: { id: String(new Types.ObjectId()) }, createdAt: at })) as never[],
    );
  }
  await round(`${KEYS} keys kept`);
  console.log(`\n== idempotency (database: ${h.dbKind}; ${N} requests one at a time per row)`);
  console.log(
    `  ${'request'.padEnd(46)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'cmds/req'.padStart(9)} ${'writes/req'.padStart(10)} ${'CPU ms/req'.padStart(10)}`,
  );
  for (const r of rows)
    console.log(`  ${r.what!.padEnd(46)} ${r.p50!.padStart(8)} ${r.p99!.padStart(8)} ${r.cmds!.padStart(9)} ${r.writes!.padStart(10)} ${r.cpu!.padStart(10)}`);
}
