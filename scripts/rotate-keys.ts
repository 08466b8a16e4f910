/**
 * `npm run rotate-keys`: after a new PII_KEY (with a new PII_KEY_ID) is set and the old key moved to PII_OLD_KEYS,
 * and/or a new BLIND_INDEX_KEY is set with the old one in BLIND_INDEX_OLD_KEY, re-seal every sealed value and
 * photo and rebuild every lookup index, in batches with progress. Safe to stop and run again (it continues from
 * its checkpoints); exits 1 while anything is left under an old key.
 */
import os from 'node:os';
import { rotateKeys } from '../src/keys/rotate';
import { audit } from '../src/modules/audit';
import { runMain, withRuntime } from './cli';

runMain(() =>
  withRuntime(async ({ app }) => {
    console.log(
      `当前密钥 ${app.pii.keyId}；可读的旧密钥：${[...app.config.oldPiiKeys.keys()].join('、') || '无'}；查找索引旧密钥：${app.config.oldBlindIndexKey ? '已配置' : '未配置'}`,
    );
    const r = await rotateKeys(app, (line) => console.log(line));
    const resealed = r.values.reduce((s, c) => s + c.resealed, 0);
    await audit(
      app,
      { type: 'system', id: `cli:${os.userInfo().username}` },
      'keys.rotated',
      { type: 'keys', id: app.pii.keyId },
      {
        resealed,
        files: r.files.reduce((s, f) => s + f.resealed, 0),
        indexes: r.indexes.reduce((s, i) => s + i.rebuilt, 0),
        keys: r.keys,
        remaining: r.remaining,
      },
    );
    const left = r.remaining.values + r.remaining.files + r.remaining.indexes;
    if (left || r.keys.conflicts) {
      throw new Error(
        `还有 ${r.remaining.values} 个加密值、${r.remaining.files} 张照片不在当前密钥下，${r.remaining.indexes} 条查找索引未重建${r.keys.conflicts ? `，${r.keys.conflicts} 个唯一键冲突` : ''}。处理后请再运行一次。`,
      );
    }
    console.log('\n完成：已没有任何数据使用旧密钥。现在可以从 PII_OLD_KEYS 删去旧密钥、删去 BLIND_INDEX_OLD_KEY，然后重启各进程。');
  }),
);
