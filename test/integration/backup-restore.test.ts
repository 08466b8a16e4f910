import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { writeBackup, type Manifest } from '../../src/db/backup/backup';
import { BackupFileError } from '../../src/db/backup/frames';
import { nonEmptyCollections, RestoreRefused, restoreBackup, verifyBackup } from '../../src/db/backup/restore';
import { rotateKeys } from '../../src/keys/rotate';
import { SEALED_VALUE } from '../../src/lib/pii';
import { startTestApp, type TestApp } from '../helpers/app';
import { auditLog, buildDataset, views, type Dataset } from '../helpers/drill';

const KEY = Buffer.from('c'.repeat(64), 'hex');
let now = '2026-11-28T02:00:00Z';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdbk-'));
let dataset: Dataset;
let before: Record<string, unknown>;
let auditBefore: Array<{ id: string }>;
let backup: { file: string; manifest: Manifest; size: number };
let sourceCounts: Record<string, number>;
let sourceIndexes: Record<string, string[]>;
let migrationsBefore: unknown[];

const freshDb = (): Promise<Connection> =>
  mongoose.createConnection(process.env.TEST_MONGODB_URI!, { dbName: `t_${crypto.randomBytes(6).toString('hex')}` }).asPromise();

async function indexNames(db: Connection): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const c of await db.db!.listCollections({}, { nameOnly: true }).toArray()) {
    out[c.name] = (await db.db!.collection(c.name).listIndexes().toArray()).map((i) => String(i.name)).sort();
  }
  return out;
}

beforeAll(async () => {
  const t = await startTestApp({ now });
  dataset = await buildDataset(t);
  now = t.clock.now().toISOString();
  before = await views(t, dataset);
  auditBefore = await auditLog(t, dataset);
  sourceIndexes = await indexNames(t.db);
  migrationsBefore = await t.db.collection('migrations').find().sort({ _id: 1 }).toArray();
  backup = await writeBackup(t.db.db!, dir, KEY, t.clock.now());
  sourceCounts = Object.fromEntries(
    await Promise.all(Object.keys(sourceIndexes).map(async (n) => [n, await t.db.db!.collection(n).countDocuments()] as const)),
  );
  await t.close();
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Restore the backup into a new database and start the app on it. */
async function restoredApp(config: Record<string, string> = {}): Promise<{ t: TestApp; dbName: string }> {
  const db = await freshDb();
  await db.db!.createCollection('areas'); // an empty collection counts as empty
  const report = await restoreBackup(db.db!, backup.file, KEY);
  expect(report.collections.every((c) => c.restored === c.expected)).toBe(true);
  const dbName = db.name;
  await db.close();
  return { t: await startTestApp({ now, dbName, config }), dbName };
}

describe('the restore drill', () => {
  test('when the backup is written, then its manifest counts every collection, GridFS included, as the database held them', () => {
    expect(backup.file).toMatch(/zdhealth-\d{8}T\d{6}Z\.zdbk$/);
    expect(Object.fromEntries(backup.manifest.collections.map((c) => [c.name, c.count]))).toEqual(sourceCounts);
    expect(sourceCounts['referralPhotos.chunks']).toBeGreaterThan(0);
    // Which module migrations have run is data like any other.
    expect(sourceCounts.migrations).toBeGreaterThan(0);
    // The server it came from is named (an external MONGODB_URI may be either).
    const kind = ({ ferretdb: 'ferretdb', 'mongodb-memory-server': 'mongodb' } as Record<string, string>)[process.env.TEST_DB_KIND ?? ''];
    if (kind) expect(backup.manifest.server.kind).toBe(kind);
    expect(backup.manifest.collections.every((c) => /^[0-9a-f]{64}$/.test(c.sha256))).toBe(true);
    // Nothing readable in the file: the photo's bytes and personal fields are behind the backup key.
    const raw = fs.readFileSync(backup.file);
    expect(raw.includes(Buffer.from('居民'))).toBe(false);
    expect(raw.includes(Buffer.from('13800001000'))).toBe(false);
  });

  test('when the database is wiped and the backup restored into a fresh one, then every view, figure, photo and audit record is the same and a resident logs in again', async () => {
    const { t } = await restoredApp();
    try {
      expect(await indexNames(t.db)).toEqual(sourceIndexes);
      expect(await t.db.collection('migrations').find().sort({ _id: 1 }).toArray()).toEqual(migrationsBefore);
      const audit = await auditLog(t, dataset);
      expect(audit.filter((a) => auditBefore.some((b) => b.id === a.id))).toEqual(auditBefore);
      expect(await views(t, dataset)).toEqual(before);
      const again = await t.request('POST', '/api/v1/auth/login', { body: { code: 'user:drill-r0:after-restore' } });
      expect(again.status).toBe(200);
      expect(again.body.resident.id).toBe(dataset.residents[0]!.id);
      const mine = await t.request('GET', '/api/v1/me/export', { token: again.body.token });
      expect(mine.body).toEqual(before['drill-r0 export']);
    } finally {
      await t.close();
    }
  }, 120_000);

  test('when the keys are rotated on the restored database, then nothing remains under the old keys and, with the old keys gone, every view is the same', async () => {
    const rotation = {
      PII_KEY: 'd'.repeat(64),
      PII_KEY_ID: 'k2',
      PII_OLD_KEYS: `k1:${'a'.repeat(64)}`,
      BLIND_INDEX_KEY: 'e'.repeat(64),
      BLIND_INDEX_OLD_KEY: 'b'.repeat(64),
    };
    const { t: during, dbName } = await restoredApp(rotation);
    let report;
    try {
      // Before the indexes are rebuilt, lookups still find what is held under the previous blind-index key.
      expect((await enrolAgain(during, 'user:drill-r2:during-rotation')).body.error?.code).toBe('ALREADY_ENROLLED');
      report = await rotateKeys(during.app);
      expect(await rotateKeys(during.app)).toMatchObject({ remaining: { values: 0, files: 0, indexes: 0 }, keys: { updated: 0, conflicts: 0 } });
    } finally {
      await during.close(true);
    }
    expect(report.remaining).toEqual({ values: 0, files: 0, indexes: 0 });
    expect(report.values.reduce((s, c) => s + c.resealed, 0)).toBeGreaterThan(0);
    expect(report.files.find((f) => f.bucket === 'referralPhotos')?.resealed).toBe(1);
    expect(report.keys).toEqual({ updated: 2, conflicts: 0 });

    const after = await startTestApp({ now, dbName, config: { PII_KEY: 'd'.repeat(64), PII_KEY_ID: 'k2', BLIND_INDEX_KEY: 'e'.repeat(64) } });
    try {
      const residents = await after.db
        .collection('residents')
        .find({ phoneEnc: { $exists: true } })
        .toArray();
      expect(residents.length).toBe(6);
      expect(residents.every((r) => SEALED_VALUE.exec(r.phoneEnc as string)?.[1] === 'k2')).toBe(true);
      expect(await views(after, dataset)).toEqual(before);
      // The one-active-enrolment rule still holds under the new blind-index key.
      const dup = await enrolAgain(after, 'user:drill-r2:after-rotation');
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('ALREADY_ENROLLED');
    } finally {
      await after.close();
    }
  }, 180_000);
});

/** The insured resident enrols the first person of their enrolment again (the rule says: refused). */
async function enrolAgain(t: TestApp, code: string): Promise<{ status: number; body: any }> {
  const login = await t.request('POST', '/api/v1/auth/login', { body: { code } });
  const e = (await t.db.collection('insuranceenrolments').findOne({}))!;
  const idCard = t.app.pii.open((e.insured as Array<{ idCardEnc: string }>)[0]!.idCardEnc);
  return t.request('POST', '/api/v1/insurance/enrolments', {
    token: login.body.token,
    body: {
      productId: String(e.productId),
      applicantPhone: '13911112222',
      insured: [{ name: '王大明', idCard, birthDate: '1980-01-01', sex: 'male', relation: '本人', planCode: 'A' }],
    },
  });
}

describe('damaged backups', () => {
  const variant = (name: string, change: (b: Buffer) => Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, change(fs.readFileSync(backup.file)));
    return file;
  };

  test.each([
    [
      'a byte changed in the middle',
      (b: Buffer) => {
        const c = Buffer.from(b);
        const i = Math.floor(c.length / 2);
        c[i] = c[i]! ^ 0xff;
        return c;
      },
      /已损坏/,
    ],
    ['the end cut off', (b: Buffer) => b.subarray(0, b.length - 100), /不完整/],
    ['only the first half', (b: Buffer) => b.subarray(0, Math.floor(b.length / 2)), /不完整/],
    ['an empty file', () => Buffer.alloc(0), /空的/],
    ['not a backup at all', () => Buffer.from('hello, this is not a backup file at all, just some text'), /不是本平台的备份文件/],
  ])('when the file has %s, then it is refused with a clear message and nothing is written', async (_what, change, message) => {
    const file = variant(`bad-${crypto.randomBytes(4).toString('hex')}.zdbk`, change);
    await expect(verifyBackup(file, KEY)).rejects.toThrow(BackupFileError);
    await expect(verifyBackup(file, KEY)).rejects.toThrow(message);
    const db = await freshDb();
    try {
      await expect(restoreBackup(db.db!, file, KEY)).rejects.toThrow(message);
      expect(await nonEmptyCollections(db.db!)).toEqual([]);
    } finally {
      await db.dropDatabase();
      await db.close();
    }
  });

  test('when the backup key is not the one it was made with, then it is refused naming BACKUP_KEY', async () => {
    await expect(verifyBackup(backup.file, Buffer.from('f'.repeat(64), 'hex'))).rejects.toThrow(/BACKUP_KEY/);
  });

  test('when the target database holds data, then restore refuses unless told to replace it', async () => {
    const db = await freshDb();
    try {
      await db.db!.collection('residents').insertOne({ note: 'someone else' });
      await expect(restoreBackup(db.db!, backup.file, KEY)).rejects.toThrow(RestoreRefused);
      await expect(restoreBackup(db.db!, backup.file, KEY)).rejects.toThrow(/不是空的.*--replace/);
      const report = await restoreBackup(db.db!, backup.file, KEY, { replace: true });
      expect(report.dropped).toContain('residents');
      expect(await db.db!.collection('residents').countDocuments({ note: 'someone else' })).toBe(0);
      expect(await db.db!.collection('residents').countDocuments()).toBe(sourceCounts.residents);
    } finally {
      await db.dropDatabase();
      await db.close();
    }
  }, 60_000);
});
