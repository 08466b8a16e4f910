import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mongo, Types } from 'mongoose';
import { writeBackup } from '../../src/db/backup/backup';
import { restoreBackup, verifyBackup } from '../../src/db/backup/restore';
import { sealBytes } from '../../src/lib/blob-crypto';
import { Areas } from '../../src/modules/areas/areas.model';
import { importVillages } from '../../src/modules/areas/areas.service';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Enrolments } from '../../src/modules/insurance/insurance.model';
import { Submissions } from '../../src/modules/quiz/quiz.model';
import { ReferralPhotos, Referrals } from '../../src/modules/referrals/referrals.model';
import { ConsentEvents, Residents } from '../../src/modules/residents/residents.model';
import { Registrations } from '../../src/modules/talks/talks.model';
import type { BenchHarness } from './harness';
import { batched, measure } from './measure';

/**
 * Issue 30: back up and restore a district's database — residents with sealed names and phones, their consent
 * ledger, sign-ups, quiz submissions, insurance enrolments, audit records, and referrals with sealed photos in
 * GridFS. Prints time, file size and this process's peak memory for the backup, a verification and the restore.
 * 10,000 residents by default; the documented run is BACKUP_BENCH_RESIDENTS=100000.
 */
const RESIDENTS = Number(process.env.BACKUP_BENCH_RESIDENTS ?? 10_000);
const PHOTO_BYTES = 300 * 1024;
const MB = 1024 * 1024;
const at = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * 86_400_000);

async function seed(h: BenchHarness): Promise<Record<string, number>> {
  const { t } = h;
  const { pii } = t.app;
  const towns = await Areas(t.db)
    .find({ level: { $in: ['town', 'subdistrict'] } })
    .lean();
  await importVillages(
    t.app,
    'json',
    JSON.stringify(
      towns.flatMap((tw) => Array.from({ length: 8 }, (_, i) => ({ name: `${tw.name}${i + 1}村`, parentCode: tw.code, code: `${tw.code}-k${i}` }))),
    ),
  );
  const villages = await Areas(t.db).find({ level: 'village' }).lean();
  const pathOf = (i: number) => villages[i % villages.length]!.path;
  const ids = Array.from({ length: RESIDENTS }, () => new Types.ObjectId());
  const phone = (i: number) => `138${String(i).padStart(8, '0')}`;
  const lean = { lean: true } as const;
  const counts: Record<string, number> = {};
  counts.residents = await batched(
    function* () {
      for (let i = 0; i < RESIDENTS; i++) {
        yield {
          _id: ids[i],
          openid: `bk${i}`,
          nameEnc: pii.seal(`居民${i}`),
          phoneEnc: pii.seal(phone(i)),
          phoneIndex: pii.blindIndex('phone', phone(i)),
          villageCode: pathOf(i)[2],
          areaPath: pathOf(i),
          sex: i % 2 ? 'male' : 'female',
          birthYear: 1950 + (i % 60),
          elderlyMode: false,
          consents: { basic: { policyVersion: '2026-11', grantedAt: at(i % 300) } },
          createdAt: at(i % 300),
          lastLoginAt: at(i % 300),
        };
      }
    },
    (b) => Residents(t.db).insertMany(b, lean),
  );
  counts.consentEvents = await batched(
    function* () {
      for (let i = 0; i < RESIDENTS; i++) yield { residentId: ids[i], purpose: 'basic', action: 'grant', policyVersion: '2026-11', at: at(i % 300) };
    },
    (b) => ConsentEvents(t.db).insertMany(b, lean),
  );
  counts.registrations = await batched(
    function* () {
      for (let i = 0; i < RESIDENTS; i++)
        yield { talkId: new Types.ObjectId(), residentId: ids[i], areaPath: pathOf(i), seats: 1, status: 'confirmed', seq: i, createdAt: at(i % 300) };
    },
    (b) => Registrations(t.db).insertMany(b, lean),
  );
  counts.submissions = await batched(
    function* () {
      for (let i = 0; i < RESIDENTS; i++) {
        for (let d = 0; d < 3; d++) {
          yield {
            residentId: ids[i],
            areaPath: pathOf(i),
            mode: 'daily',
            day: '2026-05-01',
            results: [],
            score: 60 + d * 10,
            correct: 3,
            total: 5,
            passed: true,
            durationMs: 60_000,
            tooFast: false,
            submittedAt: at(30 + d),
          };
        }
      }
    },
    (b) => Submissions(t.db).insertMany(b, lean),
  );
  counts.enrolments = await batched(
    function* () {
      for (let i = 0; i < RESIDENTS; i += 5) {
        const idCard = `370303198001${String(i).padStart(6, '0')}`;
        yield {
          productId: new Types.ObjectId(),
          residentId: ids[i],
          villageCode: pathOf(i)[2],
          areaPath: pathOf(i),
          applicantPhoneEnc: pii.seal(phone(i)),
          insured: [
            {
              nameEnc: pii.seal(`居民${i}`),
              idCardEnc: pii.seal(idCard),
              idIndex: pii.blindIndex('idcard', idCard),
              relation: '本人',
              planCode: 'A',
              premiumFen: 5000,
            },
          ],
          totalFen: 5000,
          status: 'paid',
          seq: 2,
          createdAt: at(i % 300),
          updatedAt: at(i % 300),
        };
      }
    },
    (b) => Enrolments(t.db).insertMany(b, lean),
  );
  counts.audit = await batched(
    function* () {
      for (let i = 0; i < RESIDENTS; i++)
        yield {
          at: at(i % 300),
          actorType: 'staff',
          actorId: 'bench',
          action: 'resident.view',
          targetType: 'resident',
          targetId: String(ids[i]),
          areaPath: pathOf(i),
        };
    },
    (b) => AuditLog(t.db).insertMany(b, lean),
  );
  const bucket = new mongo.GridFSBucket(t.db.db!, { bucketName: 'referralPhotos' });
  let photos = 0;
  for (let i = 0; i < RESIDENTS; i += 250) {
    const r = await Referrals(t.db).create({
      residentId: ids[i],
      villageCode: pathOf(i)[2],
      areaPath: pathOf(i),
      personalEnc: pii.seal(JSON.stringify({ childName: `孩子${i}` })),
      status: 'submitted',
      seq: 0,
      createdAt: at(i % 300),
      updatedAt: at(i % 300),
    });
    const sealed = sealBytes(t.app.config, crypto.randomBytes(PHOTO_BYTES));
    const fileId = new Types.ObjectId();
    await new Promise<void>((resolve, reject) =>
      bucket
        .openUploadStreamWithId(fileId, `${String(r._id)}.bin`)
        .once('finish', () => resolve())
        .once('error', reject)
        .end(sealed.data),
    );
    await ReferralPhotos(t.db).create({
      referralId: r._id,
      slot: 1,
      fileId,
      contentType: 'image/jpeg',
      size: PHOTO_BYTES,
      keyId: sealed.keyId,
      createdAt: at(i % 300),
    });
    photos++;
  }
  counts['referrals with a photo'] = photos;
  return counts;
}

export default async function backupBench(h: BenchHarness): Promise<void> {
  const { t } = h;
  const seedStart = Date.now();
  const counts = await seed(h);
  h.print(`seeded (${h.dbKind}) in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`, counts);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-bench-'));
  const key = crypto.randomBytes(32);
  const target = t.db.getClient().db(`bench_restore_${crypto.randomBytes(4).toString('hex')}`);
  try {
    const mem = (m: Awaited<ReturnType<typeof measure>>) =>
      `peak rss ${m.peakRssMb.toFixed(0)} MB (+${m.rssGrowthMb.toFixed(0)}), peak heap ${m.peakHeapMb.toFixed(0)} MB (+${m.heapGrowthMb.toFixed(0)})`;
    const backup = await measure(() => writeBackup(t.db.db!, dir, key));
    const written = backup.out as Awaited<ReturnType<typeof writeBackup>>;
    const verify = await measure(() => verifyBackup(written.file, key));
    const restore = await measure(() => restoreBackup(target, written.file, key));
    const restored = (restore.out as Awaited<ReturnType<typeof restoreBackup>>).collections.reduce((s, c) => s + c.restored, 0);
    h.print(`backup and restore of ${RESIDENTS.toLocaleString('en')} residents with their records`, {
      documents: `${written.manifest.documents.toLocaleString('en')} in ${written.manifest.collections.length} collections (${written.manifest.consistency})`,
      'backup file': `${(written.size / MB).toFixed(1)} MB`,
      backup: `${(backup.ms / 1000).toFixed(1)} s · ${mem(backup)}`,
      'verify (--verify-only)': `${(verify.ms / 1000).toFixed(1)} s · ${mem(verify)}`,
      'restore into an empty database (verify, then write)': `${(restore.ms / 1000).toFixed(1)} s · ${mem(restore)} · ${restored.toLocaleString('en')} documents`,
    });
  } finally {
    await target.dropDatabase().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
