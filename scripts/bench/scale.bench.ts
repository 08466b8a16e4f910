/**
 * `npm run bench scale`: the embedded database at district scale. One data folder, seeded once with 200,000
 * residents and a year of activity (./district-seed.ts: 100 sessions with 50,000 registrations, about a million
 * quiz submissions, 50,000 care records), then measured under two servers over the same SQLite files: our
 * FerretDB build (scripts/ferretdb/*.patch) and FerretDB 1.24.2 as released (built once into .tools/stock).
 * Single sign-up and quiz start+submit are also measured on the empty database first: the goal is that they stay
 * within 1.5× of those times at 200,000. Every figure is printed beside /healthz measured the same way in the same
 * phase. SCALE_RESIDENTS changes the size (the other counts follow it); SCALE_STOCK=0 leaves the stock server out.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFerretDb } from '../../src/db/ferretdb';
import { createLogger } from '../../src/logger';
import { Areas } from '../../src/modules/areas/areas.model';
import { Attempts } from '../../src/modules/quiz/quiz.model';
import { Talks } from '../../src/modules/talks/talks.model';
import { seedVillages, staffLogin, TOWN_MS, VILLAGE_A } from '../../test/helpers/fixtures';
import { createContest, districtAdmin, seedQuestionBank } from '../../test/helpers/quiz';
import { bulkResidents, publishedTalk, type BulkResident } from '../../test/helpers/talks';
import { seedDistrict } from './district-seed';
import { spec, withHarness, type BenchHarness } from './harness';

const RESIDENTS = Number(process.env.SCALE_RESIDENTS ?? 200_000);
const SIZE = { residents: RESIDENTS, dailyBase: 4, talks: 100, registrations: Math.round(RESIDENTS / 4), careFamilies: Math.round(RESIDENTS / 16) };
const DB_NAME = 'scale';
const ROOT = path.resolve(__dirname, '..', '..');

type Figures = Record<string, { p50: number; p99: number; n: number }>;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

/** Which FerretDB a binary is: our build prints `package: zdhealth-…`. */
function packageOf(bin: string): string {
  return /package: (\S+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
}

function binaries(): { patched: string; stock?: string } {
  execFileSync('bash', [path.join(ROOT, 'scripts/install-ferretdb.sh')], { stdio: 'inherit' });
  const patched = path.join(ROOT, '.tools/bin/ferretdb');
  if (process.env.SCALE_STOCK === '0') return { patched };
  const dir = path.join(ROOT, '.tools/stock');
  execFileSync('bash', [path.join(ROOT, 'scripts/install-ferretdb.sh')], {
    stdio: 'inherit',
    env: { ...process.env, FERRETDB_STOCK: '1', FERRETDB_INSTALL_DIR: dir },
  });
  return { patched, stock: path.join(dir, 'ferretdb') };
}

interface Actors {
  residents: BulkResident[];
  townAdmin: string;
  admin: string;
  contest: string;
  village: string;
}

/** Fixtures made through the services: residents with tokens, staff, a published contest. */
async function actors(h: BenchHarness): Promise<Actors> {
  const { t } = h;
  await seedVillages(t);
  await seedQuestionBank(t.app);
  const admin = await districtAdmin(t);
  const contest = await createContest(t, admin.token, { drawRules: [{ tags: ['hl66-2024'], count: 10 }], attemptsPerDay: 20, attemptsTotal: 20 });
  return {
    residents: await bulkResidents(t, 120, { village: VILLAGE_A }),
    townAdmin: (await staffLogin(t, 'town_admin', TOWN_MS)).token,
    admin: admin.token,
    contest,
    village: VILLAGE_A,
  };
}

let uniq = 0;
const key = () => `scale-${process.pid}-${++uniq}`;

async function serial(
  h: BenchHarness,
  n: number,
  make: (i: number) => Promise<ReturnType<typeof spec>> | ReturnType<typeof spec>,
  ok = [200, 201],
): Promise<{ p50: number; p99: number; n: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await h.request(...specArgs(await make(i)));
    if (!ok.includes(res.status)) throw new Error(`${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    ms.push(res.ms);
  }
  return { p50: pct(ms, 50), p99: pct(ms, 99), n };
}
function specArgs(s: ReturnType<typeof spec>): Parameters<BenchHarness['request']> {
  return [s.method ?? 'GET', s.path ?? '/', { headers: s.headers, body: s.body === undefined ? undefined : JSON.parse(s.body) }];
}

/** A single sign-up (a fresh session each time, after opening its page) and a quiz start then submit. */
async function writes(h: BenchHarness, a: Actors, from: number, n: number): Promise<Figures> {
  const { t } = h;
  const out: Figures = {};
  const talks = await Promise.all(Array.from({ length: n }, () => publishedTalk(t, a.townAdmin, { capacity: 50, waitlistEnabled: true })));
  for (let i = 0; i < n; i++) await h.request('GET', `/api/v1/talks/${talks[i]!.id}`, { token: a.residents[from + i]!.token });
  out['single sign-up (POST registrations)'] = await serial(
    h,
    n,
    (i) =>
      spec('POST', `/api/v1/talks/${talks[i]!.id}/registrations`, { token: a.residents[from + i]!.token, body: {}, headers: { 'idempotency-key': key() } }),
    [201],
  );
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = a.residents[from + i]!;
    const s = await h.request('POST', `/api/v1/quiz/contests/${a.contest}/attempts`, { token: r.token, body: {}, headers: { 'idempotency-key': key() } });
    const id = (s.body as { id?: string }).id;
    if (s.status !== 201 || !id) throw new Error(`start ${s.status} ${JSON.stringify(s.body)}`);
    const attempt = await Attempts(t.db).findById(id).lean();
    t.clock.advance(30_000);
    const answers = attempt!.items.map((it) => ({ questionId: String(it.questionId), choice: ['A'] }));
    if (process.env.SCALE_TRACE) await h.wire.reset();
    const sub = await h.request('POST', `/api/v1/quiz/attempts/${id}/submit`, { token: r.token, body: { answers }, headers: { 'idempotency-key': key() } });
    // SCALE_TRACE=1: the commands of each submit (reply time, command, collection, server ms, documents)
    if (process.env.SCALE_TRACE)
      for (const c of await h.wire.trace())
        console.log(`  trace submit ${String(c.t).padStart(6)} ${c.cmd} ${c.coll ?? ''} ${c.ms.toFixed(1)} ms${c.docs ? ` ×${c.docs}` : ''}`);
    if (sub.status !== 200) throw new Error(`submit ${sub.status} ${JSON.stringify(sub.body)}`);
    ms.push(s.ms + sub.ms);
  }
  out['quiz start + submit'] = { p50: pct(ms, 50), p99: pct(ms, 99), n };
  return out;
}

/** Reads under load (10 connections) and one at a time, each beside /healthz measured the same way. */
async function reads(h: BenchHarness, a: Actors, light: boolean): Promise<Figures> {
  const out: Figures = {};
  const sec = light ? 4 : 8;
  const tokens = a.residents.slice(0, 50).map((r) => ({ headers: { authorization: `Bearer ${r.token}` } }));
  const hz = await h.load({ title: 'healthz', path: '/healthz', connections: 10, durationSec: sec });
  out['GET /healthz (10 connections)'] = { p50: hz.p50, p99: hz.p99, n: hz.requests };
  const me = await h.load({ title: 'me', path: '/api/v1/me', connections: 10, durationSec: sec, timeoutSec: 120, cycle: tokens });
  if (me.non2xx || me.errors) {
    const one = await h.request('GET', '/api/v1/me', { token: a.residents[0]!.token });
    throw new Error(`GET /me: ${me.non2xx} non-2xx, ${me.errors} errors; one: ${one.status} ${JSON.stringify(one.body).slice(0, 200)}`);
  }
  out['GET /api/v1/me (10 connections)'] = { p50: me.p50, p99: me.p99, n: me.requests };
  const talkId = (await Talks(h.t.db).findOne({ title: '讲座0' }, { _id: 1 }).lean())!._id;
  const talk = await h.load({ title: 'talk', path: `/api/v1/talks/${String(talkId)}`, connections: 10, durationSec: sec, timeoutSec: 120, cycle: tokens });
  out['GET /api/v1/talks/:id (10 connections)'] = { p50: talk.p50, p99: talk.p99, n: talk.requests };
  const village = (await Areas(h.t.db).findOne({ code: /-b3$/, parentCode: TOWN_MS }).lean())!.code;
  const auth = { authorization: `Bearer ${a.townAdmin}` };
  out['GET staff residents list, a village (one at a time)'] = await serial(h, light ? 3 : 20, () =>
    spec('GET', `/api/admin/v1/residents?areaCode=${village}&limit=20`, { headers: auth }),
  );
  // The dashboard is cached a minute per area: the first reading of each area is the one that costs.
  const towns = await Areas(h.t.db)
    .find({ parentCode: '370303' })
    .sort({ code: 1 })
    .limit(light ? 2 : 6)
    .lean();
  out['GET dashboard of a town (first reading)'] = await serial(h, towns.length, (i) =>
    spec('GET', `/api/admin/v1/dashboard?area=${towns[i]!.code}`, { headers: { authorization: `Bearer ${a.admin}` } }),
  );
  // the first report also folds the quiz tallies still waiting for the worker (2,000 in the seed)
  const report = () => spec('GET', '/api/admin/v1/reports/yearly?year=2026&format=json', { headers: { authorization: `Bearer ${a.admin}` } });
  out['GET yearly report, district, JSON (first)'] = await serial(h, 1, report);
  out['GET yearly report, district, JSON (again)'] = await serial(h, 1, report);
  return out;
}

export async function standalone(): Promise<void> {
  process.env.NODE_ENV = 'test';
  const logger = createLogger('warn');
  const bins = binaries();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-scale-'));
  const phases: Record<string, Figures> = {};
  const run = async (bin: string, fn: (h: BenchHarness) => Promise<void>) => {
    const db = await startFerretDb({ bin, dataDir, logger });
    process.env.TEST_MONGODB_URI = db.uri;
    try {
      await withHarness(fn, { dbName: DB_NAME });
    } finally {
      delete process.env.TEST_MONGODB_URI;
      await db.stop();
    }
  };
  let a: Actors | undefined;
  const show = (name: string) => {
    console.log(`\n== ${name}: p50 / p99 ms`);
    for (const [k, f] of Object.entries(phases[name]!)) console.log(`  ${k.padEnd(52)} ${f.p50.toFixed(1)} / ${f.p99.toFixed(1)} (n ${f.n})`);
  };
  try {
    await run(bins.patched, async (h) => {
      a = await actors(h);
      phases['ours, empty'] = await writes(h, a, 60, 10);
      show('ours, empty');
      const started = Date.now();
      const counts = await seedDistrict(h.t, SIZE);
      h.print(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`, counts);
      phases[`ours, ${RESIDENTS.toLocaleString('en')}`] = { ...(await reads(h, a, false)), ...(await writes(h, a, 70, 10)) };
      show(`ours, ${RESIDENTS.toLocaleString('en')}`);
    });
    if (bins.stock) {
      await run(bins.stock, async (h) => {
        phases[`stock, ${RESIDENTS.toLocaleString('en')}`] = { ...(await reads(h, a!, true)), ...(await writes(h, a!, 80, 3)) };
        show(`stock, ${RESIDENTS.toLocaleString('en')}`);
      });
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const names = Object.keys(phases);
  const rows = [...new Set(names.flatMap((p) => Object.keys(phases[p]!)))];
  const cell = (p: string, r: string) => {
    const f = phases[p]![r];
    return f ? `${f.p50.toFixed(1)} / ${f.p99.toFixed(1)}` : '—';
  };
  console.log(`\n== scale (${packageOf(bins.patched)} vs ${bins.stock ? packageOf(bins.stock) : '—'}): p50 / p99 ms; n = requests of our build`);
  console.log(`  ${'request'.padEnd(52)} ${names.map((p) => p.padStart(22)).join(' ')}`);
  for (const r of rows) console.log(`  ${r.padEnd(52)} ${names.map((p) => cell(p, r).padStart(22)).join(' ')}`);
  const ours = phases[`ours, ${RESIDENTS.toLocaleString('en')}`]!;
  const empty = phases['ours, empty']!;
  const hz = ours['GET /healthz (10 connections)']!;
  const goals: Record<string, string> = {
    'GET /me p99 ≤ 10 ms at 10 connections': `${ours['GET /api/v1/me (10 connections)']!.p99.toFixed(1)} ms (healthz ${hz.p99.toFixed(1)} ms)`,
    'GET /talks/:id p99 ≤ 10 ms at 10 connections': `${ours['GET /api/v1/talks/:id (10 connections)']!.p99.toFixed(1)} ms`,
    'single sign-up p50 ≤ 1.5× empty': `${(ours['single sign-up (POST registrations)']!.p50 / empty['single sign-up (POST registrations)']!.p50).toFixed(2)}×`,
    'quiz start + submit p50 ≤ 1.5× empty': `${(ours['quiz start + submit']!.p50 / empty['quiz start + submit']!.p50).toFixed(2)}×`,
    'district yearly report ≤ 15 s (first / again)': `${(ours['GET yearly report, district, JSON (first)']!.p50 / 1000).toFixed(1)} s / ${(ours['GET yearly report, district, JSON (again)']!.p50 / 1000).toFixed(1)} s`,
  };
  if (bins.stock) {
    const stock = phases[`stock, ${RESIDENTS.toLocaleString('en')}`]!;
    goals['GET /me p50, stock ÷ ours'] = `${(stock['GET /api/v1/me (10 connections)']!.p50 / ours['GET /api/v1/me (10 connections)']!.p50).toFixed(0)}×`;
  }
  console.log('\n== goals');
  for (const [k, v] of Object.entries(goals)) console.log(`  ${k.padEnd(52)} ${v}`);
}

export default async function scale(): Promise<void> {
  await standalone();
}
