import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { mongo } from 'mongoose';
import type { CollectionEntry, Manifest } from './backup';
import { BackupFileError, openFrames } from './frames';
import { TAG, parseRecords, readDoc, readMeta, type BackupRecord } from './records';

/** The target database already holds data and the caller did not say to replace it. */
export class RestoreRefused extends Error {}

interface CollectionStart {
  name: string;
  options: Record<string, unknown>;
  indexes: Array<Record<string, unknown>>;
}

interface Visitor {
  collection?(c: CollectionStart): Promise<void>;
  doc?(r: BackupRecord): Promise<void>;
  end?(e: CollectionEntry): Promise<void>;
}

/**
 * Read the whole file once, in order, checking its structure and every collection's count and checksum against
 * the manifest as it goes; the visitor sees each record after the envelope has authenticated it. Throws
 * BackupFileError on any mismatch.
 */
async function walk(file: string, key: Buffer, visit: Visitor = {}): Promise<Manifest> {
  if (!fs.existsSync(file)) throw new BackupFileError(`找不到备份文件 ${file}`);
  let state: 'start' | 'between' | 'inside' | 'done' = 'start';
  let current: { name: string; count: number; hash: crypto.Hash } | null = null;
  const ends: CollectionEntry[] = [];
  let manifest: Manifest | null = null;
  const bad = (what: string) => new BackupFileError(`备份文件内容已损坏：${what}`);

  await pipeline(
    fs.createReadStream(file, { highWaterMark: 1 << 20 }),
    openFrames(key),
    zlib.createGunzip(),
    parseRecords(),
    async (records: AsyncIterable<BackupRecord>) => {
      for await (const r of records) {
        if (state === 'done') throw bad('清单之后还有记录');
        if (state === 'start') {
          if (r.tag !== TAG.header) throw bad('缺少文件说明');
          state = 'between';
        } else if (r.tag === TAG.collection && state === 'between') {
          const c = readMeta<CollectionStart>(r);
          current = { name: c.name, count: 0, hash: crypto.createHash('sha256') };
          state = 'inside';
          await visit.collection?.(c);
        } else if (r.tag === TAG.doc && state === 'inside') {
          current!.count++;
          current!.hash.update(r.bson);
          await visit.doc?.(r);
        } else if (r.tag === TAG.end && state === 'inside') {
          const e = readMeta<CollectionEntry>(r);
          if (e.name !== current!.name || e.count !== current!.count || e.sha256 !== current!.hash.digest('hex'))
            throw bad(`集合 ${current!.name} 的条数或校验和与记录不符`);
          ends.push(e);
          state = 'between';
          current = null;
          await visit.end?.(e);
        } else if (r.tag === TAG.manifest && state === 'between') {
          manifest = readMeta<Manifest>(r);
          state = 'done';
        } else throw bad('记录顺序不对');
      }
    },
  );
  if (!manifest) throw new BackupFileError('备份文件不完整：没有清单（文件被截断）');
  const m: Manifest = manifest;
  const same =
    m.collections.length === ends.length &&
    m.collections.every((c, i) => c.name === ends[i]!.name && c.count === ends[i]!.count && c.sha256 === ends[i]!.sha256);
  if (!same) throw bad('清单与各集合的内容不符');
  return m;
}

/** Check a backup end to end without writing anything: the manifest it holds, once every check passed. */
export function verifyBackup(file: string, key: Buffer): Promise<Manifest> {
  return walk(file, key);
}

/** Collections of `db` holding documents (the server's own `system.*` aside). */
export async function nonEmptyCollections(db: mongo.Db): Promise<string[]> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.'));
  const out: string[] = [];
  for (const n of names) if (await db.collection(n).findOne({}, { projection: { _id: 1 } })) out.push(n);
  return out;
}

const INDEX_OPTIONS = ['unique', 'sparse', 'expireAfterSeconds', 'partialFilterExpression', 'collation'];
const BATCH_DOCS = 1000;
const BATCH_BYTES = 8 * 1024 * 1024;

export interface RestoreReport {
  manifest: Manifest;
  collections: Array<{ name: string; expected: number; restored: number; indexes: number }>;
  dropped: string[];
}

/**
 * Restore into an empty database: the file is verified first (nothing is written from a damaged backup), then
 * written collection by collection, indexes after the documents, and each collection counted back.
 * `replace` drops what the target holds first; without it a non-empty target is refused.
 */
export async function restoreBackup(db: mongo.Db, file: string, key: Buffer, opts: { replace?: boolean } = {}): Promise<RestoreReport> {
  const existing = await nonEmptyCollections(db);
  if (existing.length && !opts.replace) {
    throw new RestoreRefused(
      `目标数据库不是空的（${existing.length} 个集合有数据，如 ${existing.slice(0, 3).join('、')}）；确认要用备份替换其中的全部数据，请加 --replace`,
    );
  }
  const manifest = await verifyBackup(file, key);
  const dropped: string[] = [];
  if (opts.replace) {
    for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
      if (c.name.startsWith('system.')) continue;
      await db.collection(c.name).drop();
      dropped.push(c.name);
    }
  }

  const report: RestoreReport['collections'] = [];
  let coll: mongo.Collection | null = null;
  let start: CollectionStart | null = null;
  let batch: Array<Record<string, unknown>> = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length) await coll!.insertMany(batch, { ordered: false, bypassDocumentValidation: true });
    batch = [];
    batchBytes = 0;
  };
  await walk(file, key, {
    async collection(c) {
      start = c;
      const capped = c.options.capped ? { capped: true, size: c.options.size as number, max: c.options.max as number | undefined } : {};
      // An empty collection left in the target (e.g. by an earlier start) is used as it is.
      await db.createCollection(c.name, capped).catch((err: { codeName?: string }) => {
        if (err.codeName !== 'NamespaceExists') throw err;
      });
      coll = db.collection(c.name);
    },
    async doc(r) {
      batch.push(readDoc(r));
      batchBytes += r.bson.length;
      if (batch.length >= BATCH_DOCS || batchBytes >= BATCH_BYTES) await flush();
    },
    async end(e) {
      await flush();
      const specs = start!.indexes
        .filter((ix) => ix.name !== '_id_')
        .map((ix) => ({
          key: ix.key as mongo.IndexSpecification,
          name: ix.name as string,
          ...Object.fromEntries(INDEX_OPTIONS.filter((o) => ix[o] !== undefined).map((o) => [o, ix[o]])),
        }));
      if (specs.length) await coll!.createIndexes(specs as mongo.IndexDescription[]);
      const restored = await coll!.countDocuments({});
      report.push({ name: e.name, expected: e.count, restored, indexes: specs.length + 1 });
    },
  });
  const short = report.filter((r) => r.restored !== r.expected);
  if (short.length) throw new Error(`恢复后条数不符：${short.map((s) => `${s.name} 应为 ${s.expected}，实际 ${s.restored}`).join('；')}`);
  return { manifest, collections: report, dropped };
}
