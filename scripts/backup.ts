/**
 * `npm run backup [-- --out <folder | file.zdbk>]`: a backup of the whole database, encrypted with BACKUP_KEY,
 * into BACKUP_DIR (or --out). Prints the file and what is in it; exits 1 when it failed.
 */
import os from 'node:os';
import { runBackup } from '../src/modules/backups';
import { flag, runMain, withRuntime } from './cli';

const args = process.argv.slice(2);

runMain(() =>
  withRuntime(async ({ app }) => {
    const at = app.clock.now();
    const run = await runBackup(
      app,
      { _id: `manual:${at.toISOString()}`, kind: 'manual' },
      { target: flag(args, 'out'), actor: { type: 'system', id: `cli:${os.userInfo().username}` } },
    );
    if (run.status !== 'ok') throw new Error(`备份失败：${run.error}`);
    console.log(`备份完成：${run.file}`);
    console.log(
      `  ${run.collections} 个集合，${run.documents} 条文档，文件 ${((run.size ?? 0) / 1024 / 1024).toFixed(1)} MB，用时 ${((run.finishedAt!.getTime() - at.getTime()) / 1000).toFixed(1)} 秒`,
    );
    console.log('  检查它能否恢复：npm run restore -- --verify-only --file <文件>');
  }),
);
