import mongoose from 'mongoose';
import type { Collection } from 'mongodb';
import type { AppContext } from '../../src/context';
import {
  cachePerDatabase,
  claimKey,
  insertWins,
  perConnection,
  releaseLease,
  releaseOrphan,
  removeHeld,
  tryLease,
  withLease,
  type LeaseDoc,
  type LeaseLock,
} from '../../src/db/coordination';
import { startTestApp, type TestApp } from '../helpers/app';

jest.setTimeout(60_000);

let t: TestApp;
let n = 0;
/** A fresh collection of the test database per test: only its `_id` index decides. */
const fresh = <T extends { _id: string }>() => t.db.db!.collection<T>(`coord_${++n}`);

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('the insert that decides a race', () => {
  test('when twenty processes insert one key at once, then exactly one insert wins and the others are told they lost', async () => {
    const coll = fresh<{ _id: string; by: number }>();
    const won = await Promise.all(Array.from({ length: 20 }, (_, by) => insertWins(() => coll.insertOne({ _id: 'k', by }))));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await coll.countDocuments()).toBe(1);
    expect((await coll.findOne({ _id: 'k' }))!.by).toBe(won.indexOf(true));
  });

  test('when the insert fails for another reason, then the failure is thrown, not taken for a lost race', async () => {
    await expect(insertWins(() => Promise.reject(new Error('connection reset')))).rejects.toThrow('connection reset');
  });
});

describe('the lease lock', () => {
  const lockOf = (coll: Collection<LeaseDoc>, leaseMs = 60_000): LeaseLock => ({ coll, id: 'talk-1', leaseMs });

  test('when ten processes take a free lease at once, then one holds it and none of them took it over', async () => {
    const lock = lockOf(fresh<LeaseDoc>());
    const got = await Promise.all(Array.from({ length: 10 }, () => tryLease(lock)));
    const held = got.filter((l) => l !== null);
    expect(held).toHaveLength(1);
    expect(held[0]!.stolen).toBe(false);
    expect((await lock.coll.findOne({ _id: 'talk-1' }))!.holder).toBe(held[0]!.holder);
  });

  test('when a lease is held and has not run out, then nobody takes it, and only its holder can give it back', async () => {
    const lock = lockOf(fresh<LeaseDoc>());
    const mine = (await tryLease(lock))!;
    expect(await tryLease(lock)).toBeNull();
    await releaseLease(lock, { holder: 'someone-else' });
    expect(await tryLease(lock)).toBeNull();
    await releaseLease(lock, mine);
    expect(await tryLease(lock)).not.toBeNull();
  });

  test('when the holder died and its lease ran out, then the next process takes it over, marked stolen, and the one after finds it held', async () => {
    const lock = lockOf(fresh<LeaseDoc>());
    await lock.coll.insertOne({ _id: 'talk-1', holder: 'dead', until: new Date(Date.now() - 1_000) });
    const taken = (await tryLease(lock))!;
    expect(taken.stolen).toBe(true);
    const doc = (await lock.coll.findOne({ _id: 'talk-1' }))!;
    expect(doc.holder).toBe(taken.holder);
    expect(doc.until.getTime()).toBeGreaterThan(Date.now());
    expect(await tryLease(lock)).toBeNull();
  });

  test("when ten processes find the dead holder's lease at once, then exactly one takes it over and holds it", async () => {
    for (let round = 0; round < 5; round++) {
      const lock = lockOf(fresh<LeaseDoc>());
      await lock.coll.insertOne({ _id: 'talk-1', holder: 'dead', until: new Date(Date.now() - 1_000) });
      const held = (await Promise.all(Array.from({ length: 10 }, () => tryLease(lock)))).filter((l) => l !== null);
      expect(held).toHaveLength(1);
      expect(held[0]!.stolen).toBe(true);
      expect((await lock.coll.findOne({ _id: 'talk-1' }))!.holder).toBe(held[0]!.holder);
    }
    expect(await t.db.db!.collection('coordination_removals').countDocuments()).toBe(0); // each removal was given back
  });

  test('when a remover died holding its removal, then after that runs out another process removes the stale lease and takes it', async () => {
    const lock = lockOf(fresh<LeaseDoc>());
    await lock.coll.insertOne({ _id: 'talk-1', holder: 'dead', until: new Date(Date.now() - 1_000) });
    const removals = t.db.db!.collection<LeaseDoc>('coordination_removals');
    const removal = `${lock.coll.collectionName}/talk-1/dead`;
    await removals.insertOne({ _id: removal, holder: 'dead-remover', until: new Date(Date.now() + 60_000) });
    expect(await tryLease(lock)).toBeNull(); // the removal is still held: nobody touches the stale lease
    expect((await lock.coll.findOne({ _id: 'talk-1' }))!.holder).toBe('dead');
    await removals.updateOne({ _id: removal }, { $set: { until: new Date(Date.now() - 1_000) } });
    const taken = (await tryLease(lock))!;
    expect(taken.stolen).toBe(true);
    expect((await lock.coll.findOne({ _id: 'talk-1' }))!.holder).toBe(taken.holder);
    expect(await removals.countDocuments({ _id: { $regex: `^${lock.coll.collectionName}/` } })).toBe(0);
  });

  test("when a stale holder's document was already replaced by a new holder, then removing the stale one leaves the new holder's lease", async () => {
    const coll = fresh<LeaseDoc>();
    await coll.insertOne({ _id: 'talk-1', holder: 'new', until: new Date(Date.now() + 60_000) });
    await removeHeld(coll, { _id: 'talk-1', holder: 'dead' }, 'holder');
    expect((await coll.findOne({ _id: 'talk-1' }))!.holder).toBe('new');
  });

  test('when five processes run under one lease, then they run one at a time, each waiting with backoff', async () => {
    const lock = lockOf(fresh<LeaseDoc>());
    let inside = 0;
    let most = 0;
    const ran: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        withLease(lock, { waitMs: 10_000, backoff: () => 5, busy: () => 'busy' as const }, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 20));
          inside--;
          ran.push(i);
        }),
      ),
    );
    expect(most).toBe(1);
    expect(ran.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await lock.coll.countDocuments()).toBe(0); // each gave it back
  });

  test('when the lease is held and the caller does not wait, then it gets the busy answer at once; a failed run still gives the lease back', async () => {
    const lock = lockOf(fresh<LeaseDoc>());
    const holder = (await tryLease(lock))!;
    const backoff = jest.fn(() => 5);
    expect(await withLease(lock, { waitMs: 0, backoff, busy: () => null }, async () => 'ran')).toBeNull();
    expect(backoff).not.toHaveBeenCalled();
    await releaseLease(lock, holder);
    await expect(
      withLease(lock, { waitMs: 0, backoff, busy: () => null }, async () => {
        throw new Error('walk failed');
      }),
    ).rejects.toThrow('walk failed');
    expect(await lock.coll.countDocuments()).toBe(0);
  });

  test('when the lease stays held past the wait, then the waiter gives up with the busy answer', async () => {
    const lock = lockOf(fresh<LeaseDoc>());
    await tryLease(lock);
    const started = Date.now();
    await expect(
      withLease(
        lock,
        {
          waitMs: 100,
          backoff: () => 10,
          busy: () => {
            throw new Error('busy');
          },
        },
        async () => 'ran',
      ),
    ).rejects.toThrow('busy');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});

describe('a claimed key and its orphan', () => {
  interface KeyDoc {
    _id: string;
    workId: string;
  }

  test('when the key is younger than its holder may take, then it is kept without asking whether its work exists', async () => {
    const coll = fresh<KeyDoc>();
    await coll.insertOne({ _id: 'k', workId: 'w1' });
    const done = jest.fn(() => false);
    expect(await releaseOrphan(coll, await coll.findOne({ _id: 'k' }), { work: 'workId', ageMs: 999, afterMs: 1_000, done })).toBe(false);
    expect(done).not.toHaveBeenCalled();
    expect(await coll.countDocuments()).toBe(1);
  });

  test("when an old key's work exists, then the key is kept; when it is missing, then exactly that key is released", async () => {
    const coll = fresh<KeyDoc>();
    await coll.insertOne({ _id: 'k', workId: 'w1' });
    const key = await coll.findOne({ _id: 'k' });
    expect(await releaseOrphan(coll, key, { work: 'workId', ageMs: 5_000, afterMs: 1_000, done: async () => true })).toBe(false);
    expect(await coll.countDocuments()).toBe(1);
    expect(await releaseOrphan(coll, key, { work: 'workId', ageMs: 5_000, afterMs: 1_000, done: () => false })).toBe(true);
    expect(await coll.countDocuments()).toBe(0);
  });

  test('when the orphan was replaced by a live claim after it was read, then releasing the orphan leaves the live claim', async () => {
    const coll = fresh<KeyDoc>();
    await coll.insertOne({ _id: 'k', workId: 'live' });
    expect(await releaseOrphan(coll, { _id: 'k', workId: 'dead' }, { work: 'workId', ageMs: 5_000, afterMs: 1_000, done: () => false })).toBe(false);
    expect((await coll.findOne({ _id: 'k' }))!.workId).toBe('live');
  });

  test('when a key is held by an orphan, then a claim releases it and takes the key; held by live work, the claim is refused', async () => {
    const coll = fresh<KeyDoc>();
    await coll.insertOne({ _id: 'k', workId: 'dead' });
    const orphaned = (alive: boolean) => async () =>
      releaseOrphan(coll, await coll.findOne({ _id: 'k' }), { work: 'workId', ageMs: 5_000, afterMs: 1_000, done: () => alive });
    await claimKey(() => coll.insertOne({ _id: 'k', workId: 'mine' }), orphaned(false));
    expect((await coll.findOne({ _id: 'k' }))!.workId).toBe('mine');
    await expect(claimKey(() => coll.insertOne({ _id: 'k', workId: 'theirs' }), orphaned(true))).rejects.toMatchObject({ code: 11000 });
    expect((await coll.findOne({ _id: 'k' }))!.workId).toBe('mine');
  });

  test('when ten requests claim a key an orphan holds, then the orphan goes and exactly one request gets the key', async () => {
    const coll = fresh<KeyDoc>();
    await coll.insertOne({ _id: 'k', workId: 'dead' });
    // each request reads the key and releases it when it is the orphan's
    const orphaned = async () => {
      const key = await coll.findOne({ _id: 'k' });
      return releaseOrphan(coll, key, { work: 'workId', ageMs: 5_000, afterMs: 1_000, done: () => key?.workId !== 'dead' });
    };
    const got = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => claimKey(() => coll.insertOne({ _id: 'k', workId: `req-${i}` }).then(() => `req-${i}`), orphaned)),
    );
    const winners = got.flatMap((g) => (g.status === 'fulfilled' ? [g.value] : []));
    expect(winners).toHaveLength(1);
    expect(got.filter((g) => g.status === 'rejected').every((g) => (g as PromiseRejectedResult).reason.code === 11000)).toBe(true);
    expect(winners).toContain((await coll.findOne({ _id: 'k' }))!.workId);
  });
});

describe('the per-connection cache', () => {
  test('when two connections (two processes) cache one key, then each keeps its own; entries expire and the cache is bounded', async () => {
    const other = await mongoose.createConnection(process.env.TEST_MONGODB_URI!, { dbName: t.db.name, autoIndex: false }).asPromise();
    try {
      const second: AppContext = { ...t.app, db: other };
      const cache = cachePerDatabase<{ v: number }>(50, 3);
      cache(t.app).set('round', { v: 1 });
      expect(cache(second).get('round')).toBeUndefined();
      cache(second).set('round', { v: 2 });
      expect(cache(t.app).get('round')).toEqual({ v: 1 });
      expect(cache(t.app)).toBe(cache(t.app));
      for (const k of ['a', 'b', 'c']) cache(t.app).set(k, { v: 0 });
      expect(cache(t.app).size).toBe(3);
      expect(cache(t.app).get('round')).toBeUndefined(); // the least recently used went
      await new Promise((r) => setTimeout(r, 80));
      expect(cache(second).get('round')).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  test('when a process forgets what it keeps for a connection, then the next use starts afresh there and not elsewhere', () => {
    const kept = perConnection(() => new Map<string, number>());
    const second: AppContext = { ...t.app, db: {} as AppContext['db'] };
    kept(t.app).set('a', 1);
    kept(second).set('a', 2);
    kept.forget(t.app);
    expect(kept(t.app).get('a')).toBeUndefined();
    expect(kept(second).get('a')).toBe(2);
  });
});
