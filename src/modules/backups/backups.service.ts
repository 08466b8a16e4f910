import fs from 'node:fs';
import path from 'node:path';
import type { Actor } from '../../access';
import type { AppContext } from '../../context';
import { writeBackup } from '../../db/backup/backup';
import { pruneBackups, type Keep } from '../../db/backup/retention';
import { isDuplicateKey } from '../../db/model';
import { shanghaiDay, shanghaiTime } from '../../lib/shanghai';
import { audit } from '../audit';
import { BackupRuns, type BackupRunDoc } from './backups.model';

const SYSTEM: Actor = { type: 'system', id: 'worker' };

const keepOf = (app: AppContext): Keep => ({
  daily: app.config.BACKUP_KEEP_DAILY,
  weekly: app.config.BACKUP_KEEP_WEEKLY,
  monthly: app.config.BACKUP_KEEP_MONTHLY,
});

function copyTo(file: string, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, path.basename(file));
  fs.copyFileSync(file, `${target}.partial`);
  fs.renameSync(`${target}.partial`, target);
  return target;
}

/**
 * Back up the whole database into BACKUP_DIR (or `target`). A nightly run also copies the file to
 * BACKUP_COPY_DIR when set, then keeps only the daily / weekly / monthly copies in both. The run is recorded (and audited) whether it succeeds or fails.
 */
export async function runBackup(
  app: AppContext,
  run: Pick<BackupRunDoc, '_id' | 'kind'>,
  opts: { target?: string; actor?: Actor } = {},
): Promise<BackupRunDoc> {
  const startedAt = app.clock.now();
  await BackupRuns(app.db).create({ ...run, status: 'running', startedAt });
  let done: Partial<BackupRunDoc>;
  try {
    const { file, manifest, size } = await writeBackup(app.db.db!, opts.target ?? app.config.BACKUP_DIR, app.config.backupKey, startedAt, (p) => {
      if (p.retry) app.logger.warn({ event: 'backup.read_retry', run: run._id, ...p }, 'backup read failed, resuming');
    });
    const nightly = run.kind === 'nightly';
    const copy = nightly ? app.config.BACKUP_COPY_DIR : '';
    const copiedTo = copy ? copyTo(file, copy) : undefined;
    const removed = nightly ? pruneBackups(app.config.BACKUP_DIR, keepOf(app)) : [];
    if (copy) removed.push(...pruneBackups(copy, keepOf(app)).map((f) => path.join(copy, f)));
    done = { status: 'ok', file, size, documents: manifest.documents, collections: manifest.collections.length, copiedTo, removed };
  } catch (err) {
    done = { status: 'failed', error: (err as Error).message.slice(0, 500) };
    app.logger.error({ event: 'backup.failed', run: run._id, err }, 'backup failed');
  }
  const finished = { ...done, finishedAt: app.clock.now() };
  await BackupRuns(app.db).updateOne({ _id: run._id }, { $set: finished });
  await audit(
    app,
    opts.actor ?? SYSTEM,
    done.status === 'ok' ? 'backup.created' : 'backup.failed',
    { type: 'backup', id: run._id },
    { file: done.file, size: done.size, documents: done.documents, error: done.error },
  );
  return { ...run, startedAt, ...finished } as BackupRunDoc;
}

/** The worker's nightly backup: one run per Asia/Shanghai day, whichever worker claims the day first. */
export async function nightlyBackup(
  app: AppContext,
): Promise<{ run: string; status: string; file?: string; documents?: number; removed?: number } | { skipped: string }> {
  const id = `nightly:${shanghaiDay(app.clock.now())}`;
  try {
    const r = await runBackup(app, { _id: id, kind: 'nightly' });
    return { run: r._id, status: r.status, file: r.file, documents: r.documents, removed: r.removed?.length ?? 0 };
  } catch (err) {
    if (isDuplicateKey(err)) return { skipped: id };
    throw err;
  }
}

export interface BackupStatus {
  lastGood: { at: string; file: string; size: number; documents: number } | null;
  lastRun: { at: string; status: BackupRunDoc['status']; error: string | null } | null;
  /** What district admins are shown, or null when backups are healthy. */
  alert: string | null;
}

/** Whether backups are healthy: the last run did not fail and the last good one is at most BACKUP_MAX_AGE_HOURS old. */
export async function backupStatus(app: AppContext): Promise<BackupStatus> {
  const [last, good] = await Promise.all([
    BackupRuns(app.db)
      .findOne({ status: { $ne: 'running' } })
      .sort({ startedAt: -1 })
      .lean(),
    BackupRuns(app.db).findOne({ status: 'ok' }).sort({ finishedAt: -1 }).lean(),
  ]);
  const maxAge = app.config.BACKUP_MAX_AGE_HOURS;
  let alert: string | null = null;
  if (last?.status === 'failed')
    alert = `数据备份失败（${shanghaiTime(last.finishedAt ?? last.startedAt)}）：${last.error ?? '原因不明'}。请尽快处理，并确认下一次备份成功。`;
  else if (!good) alert = '还没有成功的数据备份。请确认 worker 进程在运行，或手工执行 npm run backup。';
  else if (app.clock.now().getTime() - good.finishedAt!.getTime() > maxAge * 3_600_000)
    alert = `最近一次成功的数据备份已超过 ${maxAge} 小时（${shanghaiTime(good.finishedAt!)}）。请检查 worker 进程和备份目录。`;
  return {
    lastGood: good ? { at: good.finishedAt!.toISOString(), file: path.basename(good.file ?? ''), size: good.size ?? 0, documents: good.documents ?? 0 } : null,
    lastRun: last ? { at: (last.finishedAt ?? last.startedAt).toISOString(), status: last.status, error: last.error ?? null } : null,
    alert,
  };
}
