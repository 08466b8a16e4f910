import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { findFerretDb, startFerretDb } from './ferretdb';

export type DatabaseKind = 'external' | 'mongodb-memory-server' | 'ferretdb';

export interface ProvisionedDatabase {
  uri: string;
  kind: DatabaseKind;
  stop(): Promise<void>;
}

export interface ProvisionOptions {
  mongodbUri?: string;
  ferretdbBin?: string;
  /** Persistent data directory (npm start); when absent a temp dir is used and removed on stop (tests). */
  dataDir?: string;
  logger: Logger;
  onCrash?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** How long mongodb-memory-server may try to obtain a mongod before we move on. */
  memoryServerTimeoutMs?: number;
}

async function tryMemoryServer(dataDir: string | undefined, timeoutMs: number, logger: Logger): Promise<ProvisionedDatabase | undefined> {
  if (process.env.MONGOMS_DISABLE === '1') return undefined;
  let mod: typeof import('mongodb-memory-server');
  try {
    mod = await import('mongodb-memory-server');
  } catch {
    return undefined; // not installed (production install without dev dependencies)
  }
  const instance = dataDir ? { dbPath: path.join(dataDir, 'mongod'), storageEngine: 'wiredTiger' as const } : {};
  if (dataDir) fs.mkdirSync(path.join(dataDir, 'mongod'), { recursive: true });
  const pending = mod.MongoMemoryServer.create({ instance });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    const result = await Promise.race([pending, timeout]);
    if (result === 'timeout') {
      pending.then((s) => s.stop()).catch(() => undefined);
      logger.info({ event: 'db.provision.memory_server_timeout' }, 'mongodb-memory-server could not obtain mongod in time');
      return undefined;
    }
    return { uri: result.getUri(), kind: 'mongodb-memory-server', stop: async () => void (await result.stop()) };
  } catch (err) {
    logger.info({ event: 'db.provision.memory_server_unavailable', err: (err as Error).message.split('\n')[0] }, 'mongodb-memory-server unavailable');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolve a MongoDB-protocol server: MONGODB_URI → mongodb-memory-server (if a mongod can be had) → FerretDB
 * child process → a clear error naming these options.
 */
export async function provisionDatabase(opts: ProvisionOptions): Promise<ProvisionedDatabase> {
  if (opts.mongodbUri) return { uri: opts.mongodbUri, kind: 'external', stop: async () => undefined };

  const mem = await tryMemoryServer(opts.dataDir, opts.memoryServerTimeoutMs ?? 15_000, opts.logger);
  if (mem) return mem;

  const bin = findFerretDb(opts.ferretdbBin);
  if (bin) {
    const temp = opts.dataDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-'));
    const dataDir = temp ?? path.join(opts.dataDir as string, 'ferretdb');
    const handle = await startFerretDb({ bin, dataDir, logger: opts.logger, onCrash: opts.onCrash, postgresqlUrl: process.env.FERRETDB_POSTGRESQL_URL });
    opts.logger.info({ event: 'db.provision.ferretdb', dataDir, uri: handle.uri }, 'started embedded FerretDB');
    return {
      uri: handle.uri,
      kind: 'ferretdb',
      async stop() {
        await handle.stop();
        if (temp) fs.rmSync(temp, { recursive: true, force: true });
      },
    };
  }

  throw new Error(
    'No MongoDB-protocol server available. Choose one:\n' +
      '  1. set MONGODB_URI to a running MongoDB (e.g. mongodb://127.0.0.1:27017/zdhealth);\n' +
      '  2. make a mongod binary available to mongodb-memory-server (MONGOMS_SYSTEM_BINARY, or network access to download it);\n' +
      '  3. install FerretDB: `npm run ferretdb:install` (needs Go), or set FERRETDB_BIN.',
  );
}
