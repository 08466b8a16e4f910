import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyBackup } from '../../src/db/backup/restore';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { BackupRuns } from '../../src/modules/backups/backups.model';
import { nightlyBackup } from '../../src/modules/backups/backups.service';
import { housekeeping } from '../../src/worker';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS } from '../helpers/fixtures';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nightly-'));
const dirs = { main: path.join(root, 'main'), copy: path.join(root, 'share') };
const KEEP = { BACKUP_KEEP_DAILY: '3', BACKUP_KEEP_WEEKLY: '2', BACKUP_KEEP_MONTHLY: '2' };
/** 02:30 in Zibo on `day` is 18:30 UTC the day before. */
const nightOf = (day: string) => new Date(new Date(`${day}T02:30:00+08:00`).getTime());

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ now: nightOf('2026-10-01').toISOString(), config: { BACKUP_DIR: dirs.main, BACKUP_COPY_DIR: dirs.copy, ...KEEP } });
  await seedVillages(t);
});
afterAll(async () => {
  await t.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** As a district admin who logs in now (staff sessions end while the test clock moves by days). */
const status = async () => (await t.request('GET', '/api/admin/v1/backups/status', { token: (await staffLogin(t, 'district_admin', '370303')).token })).body;
const files = (dir: string) => fs.readdirSync(dir).sort();

test('the nightly backup is a worker task at 02:30 (the worker schedules in Asia/Shanghai)', () => {
  expect(housekeeping.find((x) => x.name === 'backups.nightly')?.cron).toBe('30 2 * * *');
});

test('when nightly backups run from 1 October to 6 December, then each folder keeps the newest 3 days, 2 weeks and 2 months', async () => {
  for (let d = new Date('2026-10-01T00:00:00Z'); d <= new Date('2026-12-06T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
    t.clock.set(nightOf(d.toISOString().slice(0, 10)));
    const r = await nightlyBackup(t.app);
    expect(r).toMatchObject({ status: 'ok' });
  }
  // Days 4–6 Dec; Sunday 29 Nov closes the week before; 30 Nov closes November.
  const expected = ['20261203T183000Z', '20261204T183000Z', '20261205T183000Z', '20261128T183000Z', '20261129T183000Z'].map((s) => `zdhealth-${s}.zdbk`).sort();
  expect(files(dirs.main)).toEqual(expected);
  expect(files(dirs.copy)).toEqual(expected);
  const newest = path.join(dirs.copy, expected[expected.length - 1]!);
  expect((await verifyBackup(newest, t.app.config.backupKey)).collections.find((c) => c.name === 'areas')?.count).toBeGreaterThan(0);
  expect(await status()).toMatchObject({ alert: null, lastGood: { file: 'zdhealth-20261205T183000Z.zdbk' }, lastRun: { status: 'ok' } });
}, 300_000);

test('when two workers run the same night, then one backs up and the other skips', async () => {
  t.clock.set(nightOf('2026-12-07'));
  const [a, b] = await Promise.all([nightlyBackup(t.app), nightlyBackup(t.app)]);
  expect([a, b].filter((r) => 'skipped' in r)).toHaveLength(1);
  expect(await BackupRuns(t.db).countDocuments({ _id: 'nightly:2026-12-07' })).toBe(1);
});

test('when a nightly backup fails, then the run is recorded and audited, district admins see an alert, and the next good night clears it', async () => {
  const blocked = path.join(root, 'not-a-folder');
  fs.writeFileSync(blocked, 'x');
  const broken = await startTestApp({
    dbName: t.db.name,
    now: nightOf('2026-12-08').toISOString(),
    config: { BACKUP_DIR: path.join(blocked, 'backups'), ...KEEP },
  });
  try {
    expect(await nightlyBackup(broken.app)).toMatchObject({ run: 'nightly:2026-12-08', status: 'failed' });
  } finally {
    await broken.close(true);
  }
  t.clock.set(new Date(nightOf('2026-12-08').getTime() + 3600_000));
  const s = await status();
  expect(s.lastRun).toMatchObject({ status: 'failed' });
  expect(s.alert).toMatch(/^数据备份失败（2026-12-08 02:30）：.+请尽快处理/);
  expect(await AuditLog(t.db).countDocuments({ action: 'backup.failed', targetId: 'nightly:2026-12-08' })).toBe(1);
  const town = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
  expect((await t.request('GET', '/api/admin/v1/backups/status', { token: town })).status).toBe(403);

  t.clock.set(nightOf('2026-12-09'));
  expect(await nightlyBackup(t.app)).toMatchObject({ status: 'ok' });
  expect((await status()).alert).toBeNull();
});

test('when no backup has succeeded for more than 36 hours, then district admins see an alert naming the last good one', async () => {
  t.clock.set(new Date(nightOf('2026-12-09').getTime() + 35 * 3600_000));
  expect((await status()).alert).toBeNull();
  t.clock.set(new Date(nightOf('2026-12-09').getTime() + 37 * 3600_000));
  expect((await status()).alert).toBe('最近一次成功的数据备份已超过 36 小时（2026-12-09 02:30）。请检查 worker 进程和备份目录。');
});
