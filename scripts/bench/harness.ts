import autocannon from 'autocannon';
import { provisionDatabase, type ProvisionedDatabase } from '../../src/db/provision';
import { createLogger } from '../../src/logger';
import { startTestApp, type TestApp } from '../../test/helpers/app';

/** What every benchmark gets: a real database and the app in process, plus load helpers. */
export interface BenchHarness {
  t: TestApp;
  dbKind: string;
  load(opts: LoadOptions): Promise<LoadResult>;
  print(title: string, rows: Record<string, string | number>): void;
}

export interface LoadOptions {
  title: string;
  path: string;
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  connections?: number;
  durationSec?: number;
  amount?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Per-request customisation (different tokens or bodies per request). */
  setupRequest?: (req: { path: string; headers: Record<string, string>; body?: string }) => { path: string; headers: Record<string, string>; body?: string; method?: string };
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export async function load(url: string, o: LoadOptions): Promise<LoadResult> {
  const r = await autocannon({
    url: url + o.path,
    method: o.method ?? 'GET',
    connections: o.connections ?? 50,
    ...(o.amount ? { amount: o.amount } : { duration: o.durationSec ?? 5 }),
    headers: { 'content-type': 'application/json', ...o.headers },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    setupClient: undefined,
    requests: o.setupRequest ? [{ setupRequest: o.setupRequest as never }] : undefined,
  });
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors };
}

export async function withHarness(fn: (h: BenchHarness) => Promise<void>): Promise<void> {
  process.env.NODE_ENV = 'test';
  const logger = createLogger('warn');
  let db: ProvisionedDatabase | undefined;
  if (!process.env.TEST_MONGODB_URI) {
    db = await provisionDatabase({ mongodbUri: process.env.MONGODB_URI, ferretdbBin: process.env.FERRETDB_BIN, logger, memoryServerTimeoutMs: 10_000 });
    process.env.TEST_MONGODB_URI = db.uri;
  }
  const t = await startTestApp();
  try {
    await fn({
      t,
      dbKind: db?.kind ?? 'external',
      load: (o) => load(t.url, o),
      print(title, rows) {
        console.log(`\n== ${title}`);
        for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(44)} ${v}`);
      },
    });
  } finally {
    await t.close();
    await db?.stop();
  }
}
