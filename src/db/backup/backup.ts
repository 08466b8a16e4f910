import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { mongo } from 'mongoose';
import { sealFrames } from './frames';
import { TAG, rawRecord, record } from './records';

export const BACKUP_EXT = '.zdbk';
export const FORMAT_VERSION = 1;

export interface CollectionEntry {
  name: string;
  count: number;
  /** sha256 (hex) of the collection's documents' BSON bytes, in backup order. */
  sha256: string;
  bytes: number;
  indexes: number;
}

export interface Manifest {
  format: number;
  createdAt: Date;
  database: string;
  server: { kind: 'mongodb' | 'ferretdb'; version: string };
  /** snapshot: one point in time (MongoDB replica set); per-collection: each collection read in one pass. */
  consistency: 'snapshot' | 'per-collection';
  collections: CollectionEntry[];
  documents: number;
}

/** `name` for a backup taken at `at`: sortable, and its time can be read back (UTC). */
export function backupFileName(at: Date): string {
  return `zdhealth-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}${BACKUP_EXT}`;
}

export function backupTimeOf(file: string): Date | null {
  const m = /^zdhealth-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.zdbk$/.exec(path.basename(file));
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : null;
}

async function serverInfo(db: mongo.Db): Promise<{ kind: 'mongodb' | 'ferretdb'; version: string; replicaSet: boolean }> {
  const build = await db.admin().command({ buildInfo: 1 });
  const hello = await db.admin().command({ hello: 1 });
  const ferret = typeof build.ferretdbVersion === 'string';
  return { kind: ferret ? 'ferretdb' : 'mongodb', version: ferret ? String(build.ferretdbVersion) : String(build.version), replicaSet: Boolean(hello.setName) };
}

/** The collections to back up, GridFS buckets' `.files`/`.chunks` included; the server's own `system.*` are not. */
async function collectionsOf(db: mongo.Db): Promise<Array<{ name: string; options: Record<string, unknown> }>> {
  const all = await db.listCollections({}, { nameOnly: false }).toArray();
  return all
    .filter((c) => c.type !== 'view' && !c.name.startsWith('system.'))
    .map((c) => ({ name: c.name, options: (c as { options?: Record<string, unknown> }).options ?? {} }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const BATCH_BYTES = 256 * 1024;

/**
 * Write the whole database to `target` (a `.zdbk` file, or a folder the file is named in): documents streamed
 * from cursors through gzip and the encrypted envelope, so memory stays flat at any size. The file appears under
 * its name only when complete (written as `.partial`, then renamed).
 */
export async function writeBackup(db: mongo.Db, target: string, key: Buffer, now: Date = new Date()): Promise<{ file: string; manifest: Manifest; size: number }> {
  const file = target.endsWith(BACKUP_EXT) ? target : path.join(target, backupFileName(now));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const info = await serverInfo(db);
  const session = info.replicaSet ? db.client.startSession({ snapshot: true }) : undefined;
  const manifest: Manifest = {
    format: FORMAT_VERSION,
    createdAt: now,
    database: db.databaseName,
    server: { kind: info.kind, version: info.version },
    consistency: session ? 'snapshot' : 'per-collection',
    collections: [],
    documents: 0,
  };

  async function* content(): AsyncGenerator<Buffer> {
    yield record(TAG.header, { format: FORMAT_VERSION, createdAt: now, database: db.databaseName, server: manifest.server });
    for (const c of await collectionsOf(db)) {
      const coll = db.collection(c.name);
      const indexes = await coll.listIndexes(session ? { session } : {}).toArray();
      yield record(TAG.collection, { name: c.name, options: c.options, indexes });
      const hash = crypto.createHash('sha256');
      let count = 0;
      let bytes = 0;
      let batch: Buffer[] = [];
      let batchBytes = 0;
      const cursor = coll.find({}, { raw: true, batchSize: 1000, ...(session ? { session } : {}) });
      for await (const raw of cursor as AsyncIterable<unknown> as AsyncIterable<Buffer>) {
        const bson = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
        hash.update(bson);
        count++;
        bytes += bson.length;
        const r = rawRecord(TAG.doc, bson);
        batch.push(r);
        batchBytes += r.length;
        if (batchBytes >= BATCH_BYTES) {
          yield Buffer.concat(batch);
          batch = [];
          batchBytes = 0;
        }
      }
      if (batch.length) yield Buffer.concat(batch);
      const entry: CollectionEntry = { name: c.name, count, sha256: hash.digest('hex'), bytes, indexes: indexes.length };
      manifest.collections.push(entry);
      manifest.documents += count;
      yield record(TAG.end, { ...entry });
    }
    yield record(TAG.manifest, { ...manifest });
  }

  try {
    await pipeline(Readable.from(content()), zlib.createGzip({ level: 4 }), sealFrames(key), fs.createWriteStream(partial, { mode: 0o600 }));
    fs.renameSync(partial, file);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  } finally {
    await session?.endSession();
  }
  return { file, manifest, size: fs.statSync(file).size };
}
