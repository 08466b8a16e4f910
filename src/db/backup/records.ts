import { Transform, type TransformCallback } from 'node:stream';
import { mongo } from 'mongoose';
import { BackupFileError } from './frames';

const { BSON } = mongo;

/**
 * Inside the envelope (after gunzip): a sequence of records, each one tag byte and one BSON document (which
 * carries its own length). Documents are stored as the server's own BSON bytes, so every type (ObjectId, Date,
 * Binary, Long, Decimal128, Int32 vs Double) survives the trip between MongoDB and FerretDB.
 */
export const TAG = {
  header: 0x48, // H: what this backup is
  collection: 0x43, // C: a collection starts: name, options, indexes
  doc: 0x44, // D: one document of the current collection
  end: 0x45, // E: the collection ends: count and checksum
  manifest: 0x4d, // M: the manifest, last
} as const;
export type Tag = (typeof TAG)[keyof typeof TAG];

export interface BackupRecord {
  tag: Tag;
  /** The BSON bytes as stored (a document's checksum is over these). */
  bson: Buffer;
}

export function record(tag: Tag, value: Record<string, unknown>): Buffer {
  return Buffer.concat([Buffer.from([tag]), BSON.serialize(value)]);
}

export function rawRecord(tag: Tag, bson: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), bson]);
}

/** Decode a meta record (header, collection, end, manifest) to plain values. */
export const readMeta = <T>(r: BackupRecord): T => BSON.deserialize(r.bson) as T;

/** Decode a document keeping every BSON type as it was (no promotion of Int32, Double, Long to JS numbers). */
export const readDoc = (r: BackupRecord): Record<string, unknown> => BSON.deserialize(r.bson, { promoteValues: false, promoteBuffers: false });

const TAGS = new Set<number>(Object.values(TAG));
const MAX_DOC = 48 * 1024 * 1024;

/** Bytes in, records out (object mode). */
export function parseRecords(): Transform {
  let buf: Buffer = Buffer.alloc(0);
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      try {
        let at = 0;
        while (buf.length - at >= 5) {
          const tag = buf[at]! as Tag;
          const len = buf.readInt32LE(at + 1);
          if (!TAGS.has(tag) || len < 5 || len > MAX_DOC) throw new BackupFileError('备份文件内容已损坏：记录格式不对');
          if (buf.length - at < 1 + len) break;
          this.push({ tag, bson: buf.subarray(at + 1, at + 1 + len) } satisfies BackupRecord);
          at += 1 + len;
        }
        buf = at ? Buffer.from(buf.subarray(at)) : buf;
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      done(buf.length ? new BackupFileError('备份文件内容不完整：最后一条记录被截断') : undefined);
    },
  });
}
