import { mongo, type Connection, type Model } from 'mongoose';
import type { AppContext } from '../context';
import { openBytes, sealBytes } from '../lib/blob-crypto';
import { modules } from '../modules';
import type { BlindIndexField } from '../modules/module';
import { rotationCheckpoints, CHECKPOINT_EVERY, type StepCheckpoint } from './checkpoint';
import { resealCollection, resealDocument, type ResealCount } from './reseal';

export interface RotationReport {
  values: ResealCount[];
  files: Array<{ bucket: string; resealed: number; orphansRemoved: number }>;
  indexes: Array<{ collection: string; field: string; rebuilt: number }>;
  keys: { updated: number; conflicts: number };
  /** What is still under a retired key (or unreadable) after the run: all zero means the old keys can go. */
  remaining: { values: number; files: number; indexes: number };
}

const keysOf = () => modules.flatMap((m) => (m.keys ? [m.keys] : []));

/** Collections holding sealed strings: all but GridFS's own (photo files are handled by their records). */
async function dataCollections(app: AppContext): Promise<string[]> {
  const all = await app.db.db!.listCollections({}, { nameOnly: true }).toArray();
  return all
    .map((c) => c.name)
    .filter((n) => !n.startsWith('system.') && !n.endsWith('.files') && !n.endsWith('.chunks') && n !== 'keyrotations')
    .sort();
}

async function readFile(bucket: mongo.GridFSBucket, id: mongo.ObjectId): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of bucket.openDownloadStream(id)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Re-seal the sealed photo files of one bucket: upload the file sealed under the current key, point its record at
 * it in one update (fileId and keyId together), then delete the old file. Uploads left by a run that stopped
 * between the upload and the update are removed first.
 */
async function resealFiles(
  app: AppContext,
  model: (c: Connection) => Model<any>,
  bucketName: string,
): Promise<{ bucket: string; resealed: number; orphansRemoved: number }> {
  const db = app.db.db!;
  const bucket = new mongo.GridFSBucket(db, { bucketName });
  const records = model(app.db).collection;
  let orphansRemoved = 0;
  for await (const f of db.collection(`${bucketName}.files`).find({ 'metadata.rotatedFrom': { $exists: true } })) {
    if (await records.findOne({ fileId: f._id })) continue;
    await bucket.delete(f._id as mongo.ObjectId);
    orphansRemoved++;
  }
  let resealed = 0;
  for await (const r of records.find({ keyId: { $ne: app.pii.keyId } })) {
    if (!app.pii.canOpen(r.keyId)) continue;
    const file = await db.collection(`${bucketName}.files`).findOne({ _id: r.fileId });
    if (!file) continue;
    const sealed = sealBytes(app.config, openBytes(app.config, r.keyId, await readFile(bucket, r.fileId)));
    const fresh = new mongo.ObjectId();
    await new Promise<void>((resolve, reject) => {
      const up = bucket.openUploadStreamWithId(fresh, file.filename as string, { metadata: { ...(file.metadata ?? {}), rotatedFrom: r.fileId } });
      up.once('finish', () => resolve()).once('error', reject);
      up.end(sealed.data);
    });
    const moved = await records.updateOne({ _id: r._id, fileId: r.fileId, keyId: r.keyId }, { $set: { fileId: fresh, keyId: sealed.keyId } });
    await bucket.delete(moved.modifiedCount ? r.fileId : fresh);
    if (moved.modifiedCount) resealed++;
  }
  return { bucket: bucketName, resealed, orphansRemoved };
}

/**
 * Rewrite one blind-index field where it differs from the index under the current key, in `_id` order from its
 * checkpoint; returns how many changed.
 */
async function rebuildField(app: AppContext, f: BlindIndexField, checkpoint: StepCheckpoint): Promise<number> {
  const coll = f.model(app.db).collection;
  let rebuilt = 0;
  let scanned = 0;
  if (!checkpoint.filter) return 0;
  for await (const d of coll.find(checkpoint.filter, { batchSize: 500, sort: { _id: 1 } })) {
    const set: Record<string, string> = {};
    const items: Array<[string, Record<string, unknown>]> = f.array
      ? ((d[f.array] as Array<Record<string, unknown>> | undefined) ?? []).map((x, i) => [`${f.array}.${i}.${f.field}`, x])
      : [[f.field, d]];
    for (const [path, item] of items) {
      const plain = typeof item[f.field] === 'string' ? f.source(app.pii, item) : null;
      if (plain === null) continue;
      const fresh = app.pii.blindIndex(f.purpose, plain);
      if (fresh !== item[f.field]) set[path] = fresh;
    }
    if (Object.keys(set).length) {
      await coll.updateOne({ _id: d._id }, { $set: set });
      rebuilt++;
    }
    if (++scanned % CHECKPOINT_EVERY === 0) await checkpoint.save(d._id);
  }
  await checkpoint.finish();
  return rebuilt;
}

/** Count what a finished rotation should have left at zero. */
async function remaining(app: AppContext): Promise<RotationReport['remaining']> {
  const out = { values: 0, files: 0, indexes: 0 };
  for (const name of await dataCollections(app)) {
    for await (const d of app.db.db!.collection(name).find({})) {
      const r = resealDocument(app, d, { dryRun: true });
      out.values += Object.keys(r.was).length + r.unreadable;
    }
  }
  for (const k of keysOf()) {
    for (const s of k.sealedFiles ?? []) out.files += await s.model(app.db).countDocuments({ keyId: { $ne: app.pii.keyId } });
    for (const f of k.blindIndexes ?? []) out.indexes += await countStaleIndexes(app, f);
  }
  return out;
}

async function countStaleIndexes(app: AppContext, f: BlindIndexField): Promise<number> {
  let n = 0;
  for await (const d of f.model(app.db).collection.find({})) {
    const items = f.array ? ((d[f.array] as Array<Record<string, unknown>> | undefined) ?? []) : [d];
    for (const item of items) {
      const plain = typeof item[f.field] === 'string' ? f.source(app.pii, item) : null;
      if (plain !== null && app.pii.blindIndex(f.purpose, plain) !== item[f.field]) n++;
    }
  }
  return n;
}

/**
 * `npm run rotate-keys`: every sealed value and sealed photo under a key of PII_OLD_KEYS re-sealed under PII_KEY,
 * then every blind index rebuilt under BLIND_INDEX_KEY (lookups try BLIND_INDEX_OLD_KEY meanwhile), then a
 * recount of what is left. Each step skips what is already done, and records how far it got (rotationCheckpoints),
 * so a stopped run is resumed by running it again and continues where each step stopped.
 */
export async function rotateKeys(app: AppContext, progress: (line: string) => void = () => undefined): Promise<RotationReport> {
  const report: RotationReport = { values: [], files: [], indexes: [], keys: { updated: 0, conflicts: 0 }, remaining: { values: 0, files: 0, indexes: 0 } };
  const checkpoints = await rotationCheckpoints(app);
  for (const name of await dataCollections(app)) {
    const checkpoint = await checkpoints.step(`values:${name}`, app.db.db!.collection(name));
    const c = await resealCollection(app, name, checkpoint, (p) => progress(`  ${name}: 已检查 ${p.scanned}，重新加密 ${p.resealed}`));
    report.values.push(c);
    if (c.resealed || c.unreadable || c.raced)
      progress(
        `${name}: 检查 ${c.scanned} 条，重新加密 ${c.resealed} 条${c.unreadable ? `，${c.unreadable} 个值的密钥未配置，无法读取` : ''}${c.raced ? `，${c.raced} 条正被修改，请再运行一次` : ''}`,
      );
  }
  for (const k of keysOf()) {
    for (const s of k.sealedFiles ?? []) {
      const f = await resealFiles(app, s.model, s.bucket);
      report.files.push(f);
      progress(`照片 ${s.bucket}: 重新加密 ${f.resealed} 个${f.orphansRemoved ? `，清理上次中断留下的 ${f.orphansRemoved} 个` : ''}`);
    }
  }
  for (const k of keysOf()) {
    for (const f of k.blindIndexes ?? []) {
      const coll = f.model(app.db).collection;
      const rebuilt = await rebuildField(app, f, await checkpoints.step(`index:${coll.collectionName}.${f.array ? `${f.array}.` : ''}${f.field}`, coll));
      report.indexes.push({ collection: f.model(app.db).collection.collectionName, field: f.field, rebuilt });
      progress(`查找索引 ${f.model(app.db).collection.collectionName}.${f.field}: 重建 ${rebuilt} 条`);
    }
  }
  for (const k of keysOf()) {
    if (!k.rebuildIndexKeys) continue;
    const r = await k.rebuildIndexKeys(app);
    report.keys.updated += r.updated;
    report.keys.conflicts += r.conflicts;
  }
  if (report.keys.updated || report.keys.conflicts)
    progress(`唯一键: 重建 ${report.keys.updated} 条${report.keys.conflicts ? `，${report.keys.conflicts} 条冲突（同一人在两份投保中），请工作人员处理` : ''}`);
  report.remaining = await remaining(app);
  await checkpoints.clear();
  return report;
}
