import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mongo } from 'mongoose';
import { writeBackup, type BackupProgress } from '../../src/db/backup/backup';
import { restoreBackup } from '../../src/db/backup/restore';
import { findFerretDb, startFerretDb } from '../../src/db/ferretdb';
import { createLogger } from '../../src/logger';

/**
 * A backup that loses its database part way: our own FerretDB is killed while the backup reads a large
 * collection and started again on the same port; the backup resumes after the last document it wrote.
 */
const bin = findFerretDb(process.env.FERRETDB_BIN);
const KEY = Buffer.from('c'.repeat(64), 'hex');
const DOCS = 12_000;
const logger = createLogger('silent');

(bin ? describe : describe.skip)('a backup when the database restarts in the middle of a collection', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdbk-resume-'));
  let server: Awaited<ReturnType<typeof startFerretDb>>;
  let client: mongo.MongoClient;

  beforeAll(async () => {
    server = await startFerretDb({ bin: bin!, dataDir: path.join(dir, 'ferretdb'), logger });
    client = await new mongo.MongoClient(server.uri, { serverSelectionTimeoutMS: 20_000 }).connect();
    const db = client.db('resume');
    const filler = 'x'.repeat(400);
    for (let i = 0; i < DOCS; i += 2000) {
      await db
        .collection('residents')
        .insertMany(Array.from({ length: 2000 }, (_, j) => ({ n: i + j, at: new Date(1_700_000_000_000 + i + j), note: `${filler}${i + j}` })));
    }
    await db.collection('migrations').insertOne({ _id: 'talks.resident-entries@1' as never, state: 'done', owner: 'test', startedAt: new Date() });
    await db.collection('areas').insertMany([
      { _id: 'a' as never, name: 'A' },
      { _id: 'b' as never, name: 'B' },
    ]);
  }, 180_000);

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** sha256 of the collection's documents' BSON bytes in `_id` order, as the manifest records them. */
  async function digest(db: mongo.Db, name: string): Promise<string> {
    const hash = crypto.createHash('sha256');
    for await (const raw of db.collection(name).find({}, { raw: true, sort: { _id: 1 } }) as AsyncIterable<unknown> as AsyncIterable<Buffer>) hash.update(raw);
    return hash.digest('hex');
  }

  test('when FerretDB is killed while the residents are read, then the backup resumes after the last written document and restores to the same data', async () => {
    const db = client.db('resume');
    const expected = { residents: await digest(db, 'residents'), migrations: await digest(db, 'migrations'), areas: await digest(db, 'areas') };
    const port = Number(new URL(server.uri).port);
    const events: BackupProgress[] = [];
    let restarted: Promise<void> | null = null;
    const backup = await writeBackup(db, dir, KEY, new Date('2026-12-01T00:00:00Z'), (p) => {
      events.push(p);
      if (p.collection === 'residents' && p.documents >= 3000 && !restarted) {
        process.kill(server.pid, 'SIGKILL');
        restarted = new Promise((r) => setTimeout(r, 300)).then(async () => {
          server = await startFerretDb({ bin: bin!, dataDir: path.join(dir, 'ferretdb'), logger, port });
        });
      }
    });
    await restarted;
    const retries = events.filter((e) => e.retry);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((e) => e.collection === 'residents' && e.documents >= 3000 && e.documents < DOCS)).toBe(true);

    const counts = Object.fromEntries(backup.manifest.collections.map((c) => [c.name, c.count]));
    expect(counts).toEqual({ areas: 2, migrations: 1, residents: DOCS });
    expect(Object.fromEntries(backup.manifest.collections.map((c) => [c.name, c.sha256]))).toEqual(expected);

    const target = client.db('resume_restored');
    const report = await restoreBackup(target, backup.file, KEY);
    expect(report.collections.map((c) => [c.name, c.restored])).toEqual([
      ['areas', 2],
      ['migrations', 1],
      ['residents', DOCS],
    ]);
    for (const name of ['areas', 'migrations', 'residents'] as const) expect(await digest(target, name)).toBe(expected[name]);
  }, 180_000);
});
