import { mongo } from 'mongoose';
import type { AppContext } from '../context';
import { openBytes, sealBytes } from '../lib/blob-crypto';
import { SEALED_VALUE } from '../lib/pii';
import { CHECKPOINT_EVERY, type StepCheckpoint } from './checkpoint';

type Doc = Record<string, unknown>;

export interface ResealCount {
  collection: string;
  scanned: number;
  resealed: number;
  /** Values under a key id that is neither PII_KEY_ID nor in PII_OLD_KEYS: they cannot be read at all. */
  unreadable: number;
  /** Documents changed by someone else between the read and the write: the next run picks them up. */
  raced: number;
}

const isPlain = (v: unknown): v is Doc => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/**
 * Every value of `doc` sealed under a retired key, re-sealed under the current one, as `$set` paths. Sealed
 * strings are found by their shape anywhere in the document; sealed inline files are `{ keyId, sealed }`.
 */
export function resealDocument(app: AppContext, doc: Doc, opts: { dryRun?: boolean } = {}): { set: Doc; was: Doc; unreadable: number } {
  const set: Doc = {};
  const was: Doc = {};
  let unreadable = 0;
  const visit = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      const keyId = SEALED_VALUE.exec(v)?.[1];
      if (!keyId || keyId === app.pii.keyId) return;
      if (!app.pii.canOpen(keyId)) {
        unreadable++;
        return;
      }
      set[path] = opts.dryRun ? v : app.pii.seal(app.pii.open(v));
      was[path] = v;
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${path}.${i}`));
    } else if (isPlain(v)) {
      if (typeof v.keyId === 'string' && typeof v.sealed === 'string' && v.keyId !== app.pii.keyId) {
        if (!app.pii.canOpen(v.keyId)) {
          unreadable++;
          return;
        }
        was[`${path}.keyId`] = v.keyId;
        if (opts.dryRun) return;
        const sealed = sealBytes(app.config, openBytes(app.config, v.keyId, Buffer.from(v.sealed, 'base64')));
        set[`${path}.keyId`] = sealed.keyId;
        set[`${path}.sealed`] = sealed.data.toString('base64');
        return;
      }
      for (const [k, x] of Object.entries(v)) if (k !== '_id' || path) visit(x, path ? `${path}.${k}` : k);
    }
  };
  visit(doc, '');
  return { set, was, unreadable };
}

/**
 * Re-seal one collection in `_id` order from its checkpoint, saving it every CHECKPOINT_EVERY documents; each
 * document is one conditional update, so a rerun only finds what is left.
 */
export async function resealCollection(app: AppContext, name: string, checkpoint: StepCheckpoint, progress: (c: ResealCount) => void): Promise<ResealCount> {
  const coll = app.db.db!.collection<Doc>(name);
  const count: ResealCount = { collection: name, scanned: 0, resealed: 0, unreadable: 0, raced: 0 };
  if (!checkpoint.filter) return count;
  for await (const doc of coll.find(checkpoint.filter, { batchSize: 500, sort: { _id: 1 } })) {
    count.scanned++;
    const { set, was, unreadable } = resealDocument(app, doc);
    count.unreadable += unreadable;
    if (Object.keys(set).length) {
      const r = await coll.updateOne({ _id: doc._id, ...was } as mongo.Filter<Doc>, { $set: set });
      if (r.modifiedCount) count.resealed++;
      else count.raced++;
    }
    if (count.scanned % CHECKPOINT_EVERY === 0) {
      await checkpoint.save(doc._id);
      progress(count);
    }
  }
  await checkpoint.finish();
  return count;
}
