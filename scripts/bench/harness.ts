import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { AutocannonJob, ClientJob, Fired, RequestSpec } from './load-client';
import { provisionDatabase, type ProvisionedDatabase } from '../../src/db/provision';
import { createLogger } from '../../src/logger';
import { startTestApp, type TestApp } from '../../test/helpers/app';

/**
 * What every benchmark gets: a real database and the app in process, plus load helpers. Load is made by a
 * separate process (`load-client.ts`), so this process's CPU time is the service's own.
 */
export interface BenchHarness {
  t: TestApp;
  dbKind: string;
  load(opts: LoadOptions): Promise<LoadResult>;
  /**
   * The requests through the load process, all at once or one after another: status, JSON body and ms each.
   * `marks` are called when the load process starts sending and when its last reply is in: timing the
   * service's CPU between them leaves out the harness's own messages (the job, the replies).
   */
  fire(mode: 'all' | 'serial', requests: RequestSpec[], marks?: FireMarks): Promise<Fired[]>;
  /** One request through the load process, shaped like `t.request`. */
  request(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Fired>;
  print(title: string, rows: Record<string, string | number>): void;
  /** Database commands counted by a wire-protocol proxy between the app and the database. */
  wire: WireCounter;
}

export interface FireMarks {
  started?(): void;
  finished?(): void;
}

export interface WireCounts {
  /** Commands the app sent (handshake and monitoring excluded). */
  commands: number;
  /** insert, update, delete and findAndModify commands. */
  writes: number;
  byTarget: Record<string, number>;
  /** Milliseconds the server took per target, summed (overlapping commands each count their own time). */
  msByTarget: Record<string, number>;
}

export interface WireCounter {
  reset(): Promise<void>;
  /** Counts since the last reset, after letting background work settle for `settleMs`. */
  read(settleMs?: number): Promise<WireCounts>;
  /** The last commands since the reset, in order: ms since the reset, command, collection, server ms, documents. */
  trace(): Promise<Array<{ t: number; cmd: string; coll?: string; ms: number; docs?: number }>>;
}

const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify']);
/** The shared tool lives beside the project (`../shared`); WIRE_COUNT overrides its path. */
function wireCountScript(): string {
  const candidates = [
    process.env.WIRE_COUNT,
    path.resolve(__dirname, '../../../shared/tools/wire-count.mjs'),
    path.resolve(__dirname, '../../../../shared/tools/wire-count.mjs'),
  ];
  const found = candidates.find((c) => c && fs.existsSync(c));
  if (!found) throw new Error('wire-count.mjs not found: set WIRE_COUNT to its path (../shared/tools/wire-count.mjs)');
  return found;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Start the counting proxy in front of `uri`; returns the proxied URI and the counter. */
async function startWireCount(uri: string): Promise<{ uri: string; counter: WireCounter; stop(): void }> {
  const m = /^mongodb:\/\/([^/?]+)(.*)$/.exec(uri);
  if (!m || m[1]!.includes(',')) throw new Error(`wire-count needs a single-host mongodb:// URI, got ${uri}`);
  const [listen, control] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    [wireCountScript(), '--listen', `127.0.0.1:${listen}`, '--target', m[1]!, '--control', `127.0.0.1:${control}`, '--quiet'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const base = `http://127.0.0.1:${control}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/stats`);
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const rest = m[2]!.includes('?') ? `${m[2]}&directConnection=true` : `${m[2] || '/'}?directConnection=true`;
  const counter: WireCounter = {
    async reset() {
      await fetch(`${base}/reset`, { method: 'POST' });
    },
    async trace() {
      return ((await (await fetch(`${base}/stats?seq=1`)).json()) as { seq: Array<{ t: number; cmd: string; coll?: string; ms: number; docs?: number }> }).seq;
    },
    async read(settleMs = 300) {
      await new Promise((r) => setTimeout(r, settleMs));
      const s = (await (await fetch(`${base}/stats`)).json()) as {
        app: number;
        byCommand: Record<string, { n: number }>;
        byTarget: Record<string, { n: number; ms: number }>;
      };
      const writes = Object.entries(s.byCommand)
        .filter(([k]) => WRITE_COMMANDS.has(k))
        .reduce((n, [, v]) => n + v.n, 0);
      return {
        commands: s.app,
        writes,
        byTarget: Object.fromEntries(Object.entries(s.byTarget).map(([k, v]) => [k, v.n])),
        msByTarget: Object.fromEntries(Object.entries(s.byTarget).map(([k, v]) => [k, Math.round(v.ms)])),
      };
    },
  };
  return { uri: `mongodb://127.0.0.1:${listen}${rest}`, counter, stop: () => void child.kill('SIGTERM') };
}

export interface LoadOptions {
  title: string;
  /** Another server than the bench's app (its base URL). */
  url?: string;
  path: string;
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  connections?: number;
  durationSec?: number;
  amount?: number;
  /** Seconds before a request counts as timed out (autocannon's default is 10). */
  timeoutSec?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Requests sent in turn (different tokens, paths or bodies), shared by all connections. */
  cycle?: Array<{ path?: string; method?: string; headers?: Record<string, string>; body?: unknown }>;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** A request as the load process takes it: the body JSON-encoded, the bearer token in the headers. */
export function spec(method: string, path: string, o: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): RequestSpec {
  return {
    method,
    path,
    headers: { ...o.headers, ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
    ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
  };
}

/** The load process: one child, messages answered by id. */
function startLoadClient(): { call<T>(m: ClientJob, marks?: FireMarks): Promise<T>; stop(): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'load-client.ts')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void; marks?: FireMarks }>();
  let next = 0;
  child.on('message', (m: { id: number; result?: unknown; error?: string; mark?: 'started' | 'finished' }) => {
    const w = waiting.get(m.id);
    if (m.mark) return w?.marks?.[m.mark]?.();
    waiting.delete(m.id);
    if (m.error) w?.reject(new Error(m.error));
    else w?.resolve(m.result);
  });
  child.on('exit', (code) => waiting.forEach((w) => w.reject(new Error(`load client exited (${code})`))));
  return {
    call: <T>(m: ClientJob, marks?: FireMarks) =>
      new Promise<T>((resolve, reject) => {
        const id = ++next;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, marks });
        child.send({ ...m, id });
      }),
    stop: () => void child.disconnect(),
  };
}

/** `opts.dbName` keeps the database of an earlier run (the scale bench reopens its data under another server). */
export async function withHarness(fn: (h: BenchHarness) => Promise<void>, opts: { dbName?: string } = {}): Promise<void> {
  process.env.NODE_ENV = 'test';
  const logger = createLogger('warn');
  let db: ProvisionedDatabase | undefined;
  const given = process.env.TEST_MONGODB_URI;
  if (!given) {
    db = await provisionDatabase({
      mongodbUri: process.env.MONGODB_URI,
      ferretdbBin: process.env.FERRETDB_BIN,
      memoryServer: process.env.MONGOMS_DISABLE !== '1',
      logger,
      memoryServerTimeoutMs: 10_000,
    });
    process.env.TEST_MONGODB_URI = db.uri;
  }
  const direct = process.env.TEST_MONGODB_URI!;
  const wire = await startWireCount(direct);
  process.env.TEST_MONGODB_URI = wire.uri;
  // the service as it runs in production: replies are not checked against their schemas (tests do that)
  const t = await startTestApp({ config: { RESPONSE_CHECKS: 'false' }, dbName: opts.dbName });
  const client = startLoadClient();
  const fire = (mode: 'all' | 'serial', requests: RequestSpec[], marks?: FireMarks) =>
    client.call<Fired[]>({ kind: 'fire', url: t.url, mode, requests }, marks);
  try {
    await fn({
      t,
      dbKind: db?.kind ?? 'external',
      load(o) {
        const job: AutocannonJob = {
          url: (o.url ?? t.url) + o.path,
          method: o.method ?? 'GET',
          connections: o.connections ?? 50,
          timeout: o.timeoutSec,
          ...(o.amount ? { amount: o.amount } : { duration: o.durationSec ?? 5 }),
          headers: { 'content-type': 'application/json', ...o.headers },
          body: o.body === undefined ? undefined : JSON.stringify(o.body),
          cycle: o.cycle?.map((x) => ({
            path: x.path ?? o.path,
            method: x.method,
            headers: x.headers,
            body: x.body === undefined ? undefined : JSON.stringify(x.body),
          })),
        };
        return client.call<LoadResult>({ kind: 'autocannon', job });
      },
      fire,
      request: async (method, p, o) => (await fire('serial', [spec(method, p, o)]))[0]!,
      wire: wire.counter,
      print(title, rows) {
        console.log(`\n== ${title}`);
        for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(44)} ${v}`);
      },
    });
  } finally {
    client.stop();
    // a named database is kept for the next run over it (the scale bench reopens it under another server)
    await t.close(opts.dbName !== undefined);
    wire.stop();
    if (given) process.env.TEST_MONGODB_URI = given;
    else delete process.env.TEST_MONGODB_URI;
    await db?.stop();
  }
}
