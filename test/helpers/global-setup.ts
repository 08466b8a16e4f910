import { provisionDatabase } from '../../src/db/provision';
import { createLogger } from '../../src/logger';

/** One MongoDB-protocol server for the whole run: MONGODB_URI, else mongodb-memory-server, else FerretDB. */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  const db = await provisionDatabase({
    mongodbUri: process.env.MONGODB_URI,
    ferretdbBin: process.env.FERRETDB_BIN,
    memoryServer: process.env.MONGOMS_DISABLE !== '1',
    logger,
    memoryServerTimeoutMs: 10_000,
  });
  process.env.TEST_MONGODB_URI = db.uri;
  process.env.TEST_DB_KIND = db.kind;
  (globalThis as { __testDb__?: typeof db }).__testDb__ = db;
  console.log(`\n[test database] ${db.kind} at ${db.uri}`);
}
