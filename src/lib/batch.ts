import DataLoader from 'dataloader';
import { Types, type Connection, type Model } from 'mongoose';
import { keyedCollection } from '../db/coordination/collections';

/**
 * Request coalescing with DataLoader: callers that ask while a batch is in flight join the next batch, which
 * starts when that one ends (or on the next turn when none is). Under a burst of a thousand requests the
 * database sees one command per round trip instead of one per caller; alone, a caller waits one turn.
 * No caching here (`cache: false`): callers keep their own short-lived caches.
 */
export function coalescing<K, V>(run: (keys: readonly K[]) => Promise<ArrayLike<V | Error>>, maxBatchSize = 1_000): DataLoader<K, V> {
  let inFlight: Promise<unknown> | null = null;
  return new DataLoader<K, V>(
    async (keys) => {
      const p = run(keys);
      inFlight = p;
      try {
        return await p;
      } finally {
        if (inFlight === p) inFlight = null;
      }
    },
    {
      cache: false,
      maxBatchSize,
      batchScheduleFn: (dispatch) => {
        if (inFlight) void inFlight.then(dispatch, dispatch);
        else setImmediate(dispatch);
      },
    },
  );
}

/**
 * Plain documents by `_id`, coalesced per connection: one `_id` read, or one `$in` read for a batch (an index
 * lookup on every server we run on, FerretDB included: scripts/ferretdb/); `null` where none exists. Read through
 * the driver: on these per-request paths a mongoose query costs more CPU than the read itself.
 */
export function byIdLoader<T extends { _id: unknown }>(model: (conn: Connection) => Model<T>): (conn: Connection, id: unknown) => Promise<T | null> {
  const loaders = new WeakMap<Connection, DataLoader<string, T | null>>();
  return (conn, id) => {
    let l = loaders.get(conn);
    if (!l) {
      const m = model(conn);
      const coll = keyedCollection(m);
      const key = (x: string): Types.ObjectId | string => (m.schema.path('_id')?.instance === 'ObjectId' ? new Types.ObjectId(x) : x);
      loaders.set(
        conn,
        (l = coalescing<string, T | null>(async (ids) => {
          if (ids.length === 1) return [(await coll.findOne({ _id: key(ids[0]!) })) as unknown as T | null];
          const docs = (await coll.find({ _id: { $in: ids.map((x) => key(x)) } }, { batchSize: ids.length + 1 }).toArray()) as unknown as T[];
          const by = new Map(docs.map((d) => [String(d._id), d]));
          return ids.map((x) => by.get(x) ?? null);
        })),
      );
    }
    return l.load(String(id));
  };
}
