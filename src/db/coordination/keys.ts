import type { Collection, Filter } from 'mongodb';
import { isDuplicateKey } from '../model';

/**
 * The insert that decides a race: the unique index (an `_id`, or a unique key) lets exactly one of any number
 * of concurrent inserts of one key in. True when this one went in, false when the index refused it; any other
 * failure is thrown. `insert` is the write itself (a raw insert, a model's `create`, an ordered batch).
 */
export async function insertWins(insert: () => Promise<unknown>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** A key document: its `_id`, and the field naming who holds it (a lease's holder, the work a claim stands for). */
type Keyed = { _id: unknown };

/**
 * Delete exactly the key document `doc` as it was read: by its `_id` and by the holder it named. A holder that
 * took the key meanwhile (after another process removed this one) keeps its own document.
 */
export async function removeHeld<K extends Keyed, F extends keyof K & string>(coll: Collection<K>, doc: Pick<K, '_id' | F>, holder: F): Promise<void> {
  await coll.deleteOne({ _id: doc._id, [holder]: doc[holder] } as Filter<K>);
}

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
 * key (`removeHeld`), so the next insert of the key decides again. True when it was removed.
 */
export async function releaseOrphan<K extends Keyed>(coll: Collection<K>, key: K | null, o: Orphan<K>): Promise<boolean> {
  if (!key || o.ageMs < o.afterMs) return false;
  if (await o.done()) return false;
  await removeHeld(coll, key, o.work);
  return true;
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
