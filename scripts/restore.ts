/**
 * `npm run restore -- --file <backup.zdbk> [--replace] [--verify-only]`: verify a backup end to end, then
 * restore it into the configured database, which must be empty unless --replace is given. Reports each
 * collection's documents against the manifest; exits 1 with a plain message when the file is damaged, cut off,
 * made with another BACKUP_KEY, or the database is not empty.
 */
import os from 'node:os';
import { BackupFileError } from '../src/db/backup/frames';
import { RestoreRefused, restoreBackup, verifyBackup } from '../src/db/backup/restore';
import { loadConfig } from '../src/config';
import { audit } from '../src/modules/audit';
import { prepareDatabase } from '../src/bootstrap';
import { flag, has, runMain, withRuntime } from './cli';

const args = process.argv.slice(2);
const file = flag(args, 'file');
if (!file) {
  console.error('usage: npm run restore -- --file <backup.zdbk> [--replace] [--verify-only]');
  process.exit(2);
}

async function main(): Promise<void> {
  if (has(args, 'verify-only')) {
    const m = await verifyBackup(file!, loadConfig(process.env, () => undefined).backupKey);
    console.log(
      `备份文件完好：${m.collections.length} 个集合，${m.documents} 条文档，做于 ${m.createdAt.toISOString()}（${m.server.kind} ${m.server.version}）`,
    );
    return;
  }
  await withRuntime(
    async ({ app }) => {
      const report = await restoreBackup(app.db.db!, file!, app.config.backupKey, { replace: has(args, 'replace') });
      for (const c of report.collections) console.log(`  ${c.name.padEnd(32)} ${String(c.restored).padStart(9)} / ${c.expected}  索引 ${c.indexes}`);
      await prepareDatabase(app);
      await audit(
        app,
        { type: 'system', id: `cli:${os.userInfo().username}` },
        'backup.restored',
        { type: 'backup', id: file! },
        {
          createdAt: report.manifest.createdAt,
          documents: report.manifest.documents,
          replaced: report.dropped.length,
        },
      );
      console.log(
        `\n恢复完成：${report.collections.length} 个集合、${report.manifest.documents} 条文档与清单一致（备份做于 ${report.manifest.createdAt.toISOString()}，来自 ${report.manifest.server.kind} ${report.manifest.server.version}）`,
      );
    },
    { prepare: false },
  );
}

runMain(main, [BackupFileError, RestoreRefused]);
