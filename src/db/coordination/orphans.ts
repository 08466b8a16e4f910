import type { Collection } from 'mongodb';
import { isDuplicateKey } from '../model';
import { removeStale } from './lease';

type Keyed = { _id: unknown };

export interface Orphan<K> {
  /** The field of the key naming its work (the document its holder writes after the key). */
  work: keyof K & string;
  /** How old the key is (ms), on whichever clock its holder's deadline is kept. */
  ageMs: number;
  /** A holder may take this long between the key and its work; younger keys are left alone. */
  afterMs: number;
  /** Whether the work the key names was written (asked only of a key old enough). */
  done: () => boolean | Promise<boolean>;
}

/**
 * A claimed key whose work is missing (its holder stopped between the two inserts) would refuse every
 * retry for good: once it is older than `afterMs` and its work is still missing, it is removed — exactly that
 * key, by one process (`removeStale`), so the next insert of the key decides again. True when this process
 * removed it.
 */
export async function releaseOrphan<K extends Keyed>(coll: Collection<K>, key: K | null, o: Orphan<K>): Promise<boolean> {
  if (!key || o.ageMs < o.afterMs) return false;
  if (await o.done()) return false;
  return removeStale<K, keyof K & string>(coll, key, o.work);
}

/**
 * Take a key: its insert, and when the unique index refuses it, `orphaned()` may release the key found
 * (`releaseOrphan`) and the insert is tried once more. A key held by live work throws the duplicate-key error.
 */
export async function claimKey<T>(insert: () => Promise<T>, orphaned: () => Promise<boolean>): Promise<T> {
  try {
    return await insert();
  } catch (err) {
    if (!(isDuplicateKey(err) && (await orphaned()))) throw err;
    return insert();
  }
}
