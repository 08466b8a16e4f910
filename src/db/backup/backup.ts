import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { mongo } from 'mongoose';
import { backoffMs, sleep } from '../coordination';
import { afterId } from '../id-order';
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
  return `zdhealth-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}${BACKUP_EXT}`;
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

/** Server codes of a read interrupted by the server going away (restart, step-down, shutdown), not by the read itself. */
const INTERRUPTED = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);

/** A driver error after which the same read may succeed: the connection or the server failed, not the query. */
export function isTransientReadError(err: unknown): boolean {
  if (err instanceof mongo.MongoNetworkError || err instanceof mongo.MongoServerSelectionError) return true;
  if (!(err instanceof mongo.MongoError)) return false;
  return (typeof err.code === 'number' && INTERRUPTED.has(err.code)) || err.hasErrorLabel('RetryableReadError') || err.hasErrorLabel('ResetPool');
}

/** How often a read is tried again after transient failures in a row, and the first wait (doubled each time). */
export const READ_RETRIES = 5;
const FIRST_WAIT_MS = 500;

export interface BackupProgress {
  collection: string;
  /** Documents of `collection` written so far. */
  documents: number;
  /** Set when a read failed transiently and is tried again (the attempt number, from 1). */
  retry?: number;
  error?: string;
}

/** Waits before the next attempt after a transient error; rethrows any other error, or after READ_RETRIES in a row. */
function backoff(): { failed(err: unknown): Promise<number>; progressed(): void } {
  let failures = 0;
  return {
    async failed(err) {
      if (!isTransientReadError(err) || failures >= READ_RETRIES) throw err;
      await sleep(backoffMs(failures, FIRST_WAIT_MS, FIRST_WAIT_MS * 2 ** READ_RETRIES, false));
      return ++failures;
    },
    progressed() {
      failures = 0;
    },
  };
}

async function retrying<T>(read: () => Promise<T>): Promise<T> {
  const wait = backoff();
  for (;;) {
    try {
      return await read();
    } catch (err) {
      await wait.failed(err);
    }
  }
}

/**
 * A collection's documents as the server's BSON bytes, in `_id` order. When a read fails transiently part way
 * (network error, the server restarting), it is read again after the last `_id` returned, so no document is
 * returned twice or left out (see afterId: when that cannot be done safely, the error stands).
 */
async function* documentsOf(
  coll: mongo.Collection,
  session: mongo.ClientSession | undefined,
  onRetry: (n: number, err: Error) => void,
): AsyncGenerator<Buffer> {
  const wait = backoff();
  let last: Buffer | null = null;
  let after: mongo.Filter<mongo.Document> = {};
  for (;;) {
    const cursor = coll.find(after, { raw: true, batchSize: 1000, sort: { _id: 1 }, ...(session ? { session } : {}) });
    try {
      for await (const raw of cursor as AsyncIterable<unknown> as AsyncIterable<Buffer>) {
        last = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
        wait.progressed();
        yield last;
      }
      return;
    } catch (err) {
      const n = await wait.failed(err);
      if (last) {
        const id = mongo.BSON.deserialize(last)._id as unknown;
        const next = await retrying(() => afterId(coll, id, session));
        if (!next) throw err;
        after = next;
      }
      onRetry(n, err as Error);
    } finally {
      await cursor.close().catch(() => undefined);
    }
  }
}

/**
 * Write the whole database to `target` (a `.zdbk` file, or a folder the file is named in): documents streamed
 * from cursors through gzip and the encrypted envelope, so memory stays flat at any size. The file appears under
 * its name only when complete (written as `.partial`, then renamed). A read that fails transiently is resumed
 * where it stopped, up to READ_RETRIES times in a row with growing waits; `progress` hears of each retry.
 */
export async function writeBackup(
  db: mongo.Db,
  target: string,
  key: Buffer,
  now: Date = new Date(),
  progress: (p: BackupProgress) => void = () => undefined,
): Promise<{ file: string; manifest: Manifest; size: number }> {
  const file = target.endsWith(BACKUP_EXT) ? target : path.join(target, backupFileName(now));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const info = await retrying(() => serverInfo(db));
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
    for (const c of await retrying(() => collectionsOf(db))) {
      const coll = db.collection(c.name);
      const indexes = await retrying(() => coll.listIndexes(session ? { session } : {}).toArray());
      yield record(TAG.collection, { name: c.name, options: c.options, indexes });
      const hash = crypto.createHash('sha256');
      let count = 0;
      let bytes = 0;
      let batch: Buffer[] = [];
      let batchBytes = 0;
      const retried = (retry: number, err: Error) => progress({ collection: c.name, documents: count, retry, error: err.message });
      for await (const bson of documentsOf(coll, session, retried)) {
        hash.update(bson);
        count++;
        bytes += bson.length;
        const r = rawRecord(TAG.doc, bson);
        batch.push(r);
        batchBytes += r.length;
        if (batchBytes >= BATCH_BYTES) {
          progress({ collection: c.name, documents: count });
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
