import crypto from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';
import type { Model } from 'mongoose';
import { insertWins, removeHeld } from './keys';
import { sleep } from './sleep';

/**
 * Wall-clock time: a lease is about process liveness, not business time (tests freeze `app.clock`).
 */
export const wallNow = (): number => Date.now();

/** A lease document: `_id` names what it guards, `holder` who holds it, `until` when it runs out (wall clock). */
export interface LeaseDoc {
  _id: string;
  holder: string;
  until: Date;
}

/** The lease documents kept in a model's collection (beside other documents under other `_id`s, if any). */
export const leasesIn = (model: Pick<Model<never>, 'collection'>): Collection<LeaseDoc> => model.collection as unknown as Collection<LeaseDoc>;

/** One lease: the collection holding its document, its `_id`, and how long a holder keeps it without renewing. */
export interface LeaseLock {
  coll: Collection<LeaseDoc>;
  id: string;
  leaseMs: number;
}

export interface Lease {
  holder: string;
  /** Taken over from a holder whose lease had run out (it died holding it): what it guarded may be half-done. */
  stolen: boolean;
}

/**
 * Take the lease when it is free: the insert under its `_id` decides between processes. A lease that ran out
 * is taken over by replacing exactly the stale holder's document in place, by one process (`alterStale`:
 * decided by an insert), which is told `stolen`; the others, and a plain insert meanwhile, find it held. Null
 * when someone else holds it.
 */
export async function tryLease(lock: LeaseLock): Promise<Lease | null> {
  const holder = crypto.randomUUID();
  const doc = (): LeaseDoc => ({ _id: lock.id, holder, until: new Date(wallNow() + lock.leaseMs) });
  if (await insertWins(() => lock.coll.insertOne(doc()))) return { holder, stolen: false };
  const current = await lock.coll.findOne({ _id: lock.id });
  if (!current || current.until.getTime() >= wallNow()) return null;
  // the dead holder's document is replaced in place, never deleted: a plain insert meanwhile still finds it held
  const taken = await alterStale(lock.coll, current, 'holder', async (filter) => (await lock.coll.replaceOne(filter, doc())).matchedCount > 0);
  return taken ? { holder, stolen: true } : null;
}

/** How long a remover may take before another process may take its removal over. */
const REMOVAL_MS = 30_000;
const REMOVALS = 'coordination_removals';

/** The database of a collection: the driver's `db`, or the connection's behind a model's collection. */
function databaseOf(coll: Collection<any>): Db {
  const conn = (coll as unknown as { conn?: { db?: Db } }).conn;
  return conn?.db ?? coll.db;
}

/**
 * Change a key document that was read stale (a dead holder's lease, an orphaned claim) — found by its `_id`
 * and the holder it named — by ONE process. On our database a write with a condition besides `_id` is a read
 * then a write, so two processes changing one stale document at once could each read it, and the later write
 * would undo what the quicker one did after its own. The change is therefore made under a lease of its own in
 * `coordination_removals`, keyed by the collection, the `_id` and the stale holder: the insert decides the one
 * process that changes it; the others leave the document alone. That lease is given back at once (a later
 * process's read then finds the stale document changed); one whose process died is taken over the same way
 * after `REMOVAL_MS`. `write(filter)` is the change, true when it found the document. False when another
 * process changes it, or changed it already.
 */
async function alterStale<K extends { _id: unknown }, F extends keyof K & string>(
  coll: Collection<K>,
  doc: Pick<K, '_id' | F>,
  holder: F,
  write: (filter: Filter<K>) => Promise<boolean>,
): Promise<boolean> {
  const removal: LeaseLock = {
    coll: databaseOf(coll).collection<LeaseDoc>(REMOVALS),
    id: `${coll.collectionName}/${String(doc._id)}/${String(doc[holder])}`,
    leaseMs: REMOVAL_MS,
  };
  const lease = await tryLease(removal);
  if (!lease) return false;
  try {
    return await write({ _id: doc._id, [holder]: doc[holder] } as Filter<K>);
  } finally {
    await releaseLease(removal, lease);
  }
}

/** Remove a key document read stale (`alterStale`: by one process of any number trying at once). True when this process deleted it. */
export function removeStale<K extends { _id: unknown }, F extends keyof K & string>(coll: Collection<K>, doc: Pick<K, '_id' | F>, holder: F): Promise<boolean> {
  return alterStale(coll, doc, holder, async (filter) => (await coll.deleteOne(filter)).deletedCount > 0);
}
/** Give the lease back: its document is deleted only while this holder holds it. */
export async function releaseLease(lock: LeaseLock, lease: Pick<Lease, 'holder'>): Promise<void> {
  await removeHeld(lock.coll, { _id: lock.id, holder: lease.holder }, 'holder');
}

export interface LeaseWait<B> {
  /** How long to keep trying (wall clock); 0: give up at once when the lease is held. */
  waitMs: number;
  /** The pause before retry number `attempt` (from 0), e.g. `backoffMs`. */
  backoff: (attempt: number) => number;
  /** What a caller that gave up gets (or throws). */
  busy: () => B;
}

/** Run `fn` holding the lease, released afterwards whatever happens; waits for it as `wait` says. */
export async function withLease<T, B>(lock: LeaseLock, wait: LeaseWait<B>, fn: (lease: Lease) => Promise<T>): Promise<T | B> {
  const deadline = wallNow() + wait.waitMs;
  for (let attempt = 0; ; attempt++) {
    const lease = await tryLease(lock);
    if (lease) {
      try {
        return await fn(lease);
      } finally {
        await releaseLease(lock, lease);
      }
    }
    if (wait.waitMs <= 0 || wallNow() > deadline) return wait.busy();
    await sleep(wait.backoff(attempt));
  }
}
