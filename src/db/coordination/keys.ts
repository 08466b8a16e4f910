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
