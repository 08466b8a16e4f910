import { MongoClient } from 'mongodb';
import { findFerretDb, startFerretDb } from '../../src/db/ferretdb';
import { Writable } from 'node:stream';
import { locateMongod, provisionDatabase } from '../../src/db/provision';
import { connectDatabase } from '../../src/db/connect';
import { createLogger } from '../../src/logger';

const logger = createLogger('silent');
const ferret = findFerretDb(process.env.FERRETDB_BIN);

describe('provisioning', () => {
  test('when MONGODB_URI is given, then it is used as is', async () => {
    const db = await provisionDatabase({ mongodbUri: 'mongodb://example.invalid:27017/x', logger });
    expect(db).toMatchObject({ kind: 'external', uri: 'mongodb://example.invalid:27017/x' });
  });

  test('when no server can be had, then the error lists the three options', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(provisionDatabase({ ferretdbBin: '/nonexistent/ferretdb', logger, memoryServer: false })).rejects.toThrow(
        /MONGODB_URI[\s\S]*mongod[\s\S]*FerretDB/,
      );
    } finally {
      process.env.PATH = saved;
    }
  });

  (ferret ? test : test.skip)('when the embedded FerretDB dies, then the crash is reported, not hidden', async () => {
    const dir = `/tmp/ferret-crash-${process.pid}`;
    const crashed = new Promise<number | null>((resolve) => {
      void startFerretDb({ bin: ferret!, dataDir: dir, logger, onCrash: (code) => resolve(code) }).then(async (h) => {
        const client = await MongoClient.connect(h.uri);
        await client.db('x').collection('y').insertOne({ a: 1 });
        await client.close();
        process.kill(h.pid, 'SIGKILL');
      });
    });
    await expect(crashed).resolves.toBeNull(); // killed by a signal: no exit code
  });

  test('when no mongod is at hand, then FerretDB starts at once, said in one line, with no download attempted', async () => {
    if (!ferret || (await locateMongod())) return; // this machine has a mongod (or no FerretDB): the case does not arise
    const lines: Array<{ event?: string; msg: string }> = [];
    const sink = new Writable({ write: (chunk, _enc, done) => done(void lines.push(JSON.parse(String(chunk)))) });
    const db = await provisionDatabase({ ferretdbBin: ferret, logger: createLogger('debug', sink) });
    try {
      expect(db.kind).toBe('ferretdb');
      expect(lines.map((l) => l.event)).toEqual(['db.provision.no_mongod', 'db.provision.ferretdb']);
      expect(lines[0]!.msg).toBe('no mongod at hand (MONGODB_URI unset, none cached or on PATH): using the embedded FerretDB');
    } finally {
      await db.stop();
    }
  });

  test('when the database is reachable, then connect succeeds and readiness follows the connection', async () => {
    const db = await connectDatabase(process.env.TEST_MONGODB_URI!, 'provision_check', logger);
    expect(db.isReady()).toBe(true);
    await db.close();
    expect(db.isReady()).toBe(false);
  });

  test('when the database is unreachable, then connect retries with growing waits and then fails', async () => {
    const waits: number[] = [];
    await expect(connectDatabase('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200', 'x', logger, 4, async (ms) => void waits.push(ms))).rejects.toThrow();
    expect(waits).toEqual([250, 500, 1000]);
  });
});
