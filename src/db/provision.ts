import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { findFerretDb, findOnPath, startFerretDb } from './ferretdb';

type DatabaseKind = 'external' | 'mongodb-memory-server' | 'ferretdb';

export interface ProvisionedDatabase {
  uri: string;
  kind: DatabaseKind;
  /** Where an embedded server keeps its files (absent: external, or a temporary directory). */
  dataDir?: string;
  stop(): Promise<void>;
}

interface ProvisionOptions {
  mongodbUri?: string;
  ferretdbBin?: string;
  /** Persistent data directory (npm start); when absent a temp dir is used and removed on stop (tests). */
  dataDir?: string;
  logger: Logger;
  onCrash?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** How long mongodb-memory-server may try to obtain a mongod before we move on. */
  memoryServerTimeoutMs?: number;
  /** false: never use mongodb-memory-server (config MONGOMS_DISABLE). Default true. */
  memoryServer?: boolean;
  /** PostgreSQL storage for the embedded FerretDB (config FERRETDB_POSTGRESQL_URL); default its SQLite files. */
  ferretdbPostgresqlUrl?: string;
}

type MemoryServerModule = typeof import('mongodb-memory-server');

async function memoryServerModule(enabled: boolean): Promise<MemoryServerModule | undefined> {
  if (!enabled) return undefined;
  try {
    return await import('mongodb-memory-server');
  } catch {
    return undefined; // not installed (production install without dev dependencies)
  }
}

/**
 * A mongod that can start without a download: MONGOMS_SYSTEM_BINARY, one already in mongodb-memory-server's
 * caches, or `mongod` on PATH. Undefined when none is at hand (or mongodb-memory-server is not installed).
 */
export async function locateMongod(memoryServer = true): Promise<{ path: string; system: boolean } | undefined> {
  const mod = await memoryServerModule(memoryServer);
  if (!mod) return undefined;
  const cached = await mod.DryMongoBinary.locateBinary(mod.DryMongoBinary.getEnsuredOptions()).catch(() => undefined);
  if (cached) return { path: cached, system: false };
  const system = findOnPath('mongod');
  return system ? { path: system, system: true } : undefined;
}

async function tryMemoryServer(
  dataDir: string | undefined,
  timeoutMs: number,
  logger: Logger,
  systemBinary?: string,
): Promise<ProvisionedDatabase | undefined> {
  const mod = await memoryServerModule(true);
  if (!mod) return undefined;
  const instance = dataDir ? { dbPath: path.join(dataDir, 'mongod'), storageEngine: 'wiredTiger' as const } : {};
  if (dataDir) fs.mkdirSync(path.join(dataDir, 'mongod'), { recursive: true });
  const pending = mod.MongoMemoryServer.create({ instance, ...(systemBinary ? { binary: { systemBinary } } : {}) });
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
    return {
      uri: result.getUri(),
      kind: 'mongodb-memory-server',
      dataDir: dataDir && path.join(dataDir, 'mongod'),
      stop: async () => void (await result.stop()),
    };
  } catch (err) {
    logger.info({ event: 'db.provision.memory_server_unavailable', err: (err as Error).message.split('\n')[0] }, 'mongodb-memory-server unavailable');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolve a MongoDB-protocol server: MONGODB_URI → mongodb-memory-server when a mongod is at hand → FerretDB
 * child process at once (no download attempt) → mongodb-memory-server downloading a mongod → a clear error
 * naming these options.
 */
export async function provisionDatabase(opts: ProvisionOptions): Promise<ProvisionedDatabase> {
  if (opts.mongodbUri) return { uri: opts.mongodbUri, kind: 'external', stop: async () => undefined };
  const timeoutMs = opts.memoryServerTimeoutMs ?? 15_000;

  const memoryServer = opts.memoryServer ?? true;
  const mongod = await locateMongod(memoryServer);
  if (mongod) {
    const mem = await tryMemoryServer(opts.dataDir, timeoutMs, opts.logger, mongod.system ? mongod.path : undefined);
    if (mem) return mem;
  }

  const bin = findFerretDb(opts.ferretdbBin);
  if (bin) {
    if (!mongod)
      opts.logger.info({ event: 'db.provision.no_mongod' }, 'no mongod at hand (MONGODB_URI unset, none cached or on PATH): using the embedded FerretDB');
    const temp = opts.dataDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-'));
    const dataDir = temp ?? path.join(opts.dataDir as string, 'ferretdb');
    const handle = await startFerretDb({ bin, dataDir, logger: opts.logger, onCrash: opts.onCrash, postgresqlUrl: opts.ferretdbPostgresqlUrl });
    opts.logger.info({ event: 'db.provision.ferretdb', dataDir, uri: handle.uri }, 'started embedded FerretDB');
    return {
      uri: handle.uri,
      kind: 'ferretdb',
      dataDir: temp ? undefined : dataDir,
      async stop() {
        await handle.stop();
        if (temp) fs.rmSync(temp, { recursive: true, force: true });
      },
    };
  }

  if (!mongod && memoryServer) {
    opts.logger.info({ event: 'db.provision.download' }, 'no mongod and no FerretDB at hand: mongodb-memory-server tries to download a mongod');
    const mem = await tryMemoryServer(opts.dataDir, timeoutMs, opts.logger);
    if (mem) return mem;
  }

  throw new Error(
    'No MongoDB-protocol server available. Choose one:\n' +
      '  1. set MONGODB_URI to a running MongoDB (e.g. mongodb://127.0.0.1:27017/zdhealth);\n' +
      '  2. make a mongod binary available to mongodb-memory-server (MONGOMS_SYSTEM_BINARY, or network access to download it);\n' +
      '  3. install FerretDB: `npm run ferretdb:install` (needs Go), or set FERRETDB_BIN.',
  );
}
