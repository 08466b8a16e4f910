import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose, { type Connection } from 'mongoose';
import { loadConfig, type Config } from '../../src/config';
import type { AppContext } from '../../src/context';
import { prepareDatabase } from '../../src/bootstrap';
import { createHttpApp } from '../../src/http/app';
import type { Api } from '../../src/http/route';
import { FakeClock } from '../../src/lib/clock';
import { piiFromConfig } from '../../src/lib/pii';
import { createLogger } from '../../src/logger';
import { accessPorts, modules } from '../../src/modules';
import { WeChatClient } from '../../src/wechat/client';
import { FakeWeChatServer } from '../../src/wechat/fake-server';

export interface TestApp {
  app: AppContext;
  db: Connection;
  clock: FakeClock;
  wechat: FakeWeChatServer;
  url: string;
  request(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** Stop the app; its database is dropped unless `keepDatabase`. */
  close(keepDatabase?: boolean): Promise<void>;
}

const KEY = 'a'.repeat(64);

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PII_KEY: KEY,
    BLIND_INDEX_KEY: 'b'.repeat(64),
    BACKUP_KEY: 'c'.repeat(64),
    WECHAT_APPID: 'wx-test',
    WECHAT_SECRET: 's',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

/** The app in process on port 0, on its own database of the shared test server, WeChat pointed at a local fake. */
export async function startTestApp(
  opts: { config?: Record<string, string>; now?: string; extraRoutes?: (api: Api) => void; monitorCommands?: boolean; dbName?: string } = {},
): Promise<TestApp> {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI missing: run tests through jest (global setup provisions the database)');
  const dbName = opts.dbName ?? `t_${crypto.randomBytes(6).toString('hex')}`;
  const db = await mongoose.createConnection(uri, { dbName, autoIndex: false, maxPoolSize: 100, monitorCommands: opts.monitorCommands ?? false }).asPromise();
  const wechat = new FakeWeChatServer();
  const wechatUrl = await wechat.start();
  const config = testConfig({ WECHAT_API_BASE: wechatUrl, ...opts.config });
  const clock = new FakeClock(new Date(opts.now ?? '2026-11-28T02:00:00Z'));
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const app: AppContext = {
    config,
    logger,
    db,
    clock,
    pii: piiFromConfig(config),
    wechat: new WeChatClient({ baseURL: wechatUrl, appid: 'wx-test', secret: 's', timeoutMs: 2000, logger, clock: { now: () => new Date() }, db, retries: 2 }),
  };
  await prepareDatabase(app);
  const server = http.createServer(
    createHttpApp(app, { isReady: () => db.readyState === 1, modules, access: accessPorts, extraRoutes: opts.extraRoutes }).callback(),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    db,
    clock,
    wechat,
    url,
    async request(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close(keepDatabase = false) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await wechat.stop();
      if (!keepDatabase) await db.dropDatabase().catch(() => undefined);
      await db.close();
    },
  };
}
