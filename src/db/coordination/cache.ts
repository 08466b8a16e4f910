import { LRUCache } from 'lru-cache';
import type { AppContext } from '../../context';

/**
 * What a process keeps per database connection (tests run many databases in one process, and a test's second
 * connection to one database stands for a second process): made on first use, dropped with the connection.
 */
export function perConnection<T>(make: () => T): { (app: AppContext): T; forget(app: AppContext): void } {
  const kept = new WeakMap<object, T>();
  const of = (app: AppContext): T => {
    let v = kept.get(app.db);
    if (v === undefined) kept.set(app.db, (v = make()));
    return v;
  };
  return Object.assign(of, { forget: (app: AppContext) => void kept.delete(app.db) });
}

/**
 * A short-lived in-process cache per database connection: bounded by `max` entries, each kept `ttlMs`. For
 * reads on every request whose writers forget the entry themselves (other processes see a change within `ttlMs`).
 */
export function cachePerDatabase<V extends object>(ttlMs: number, max = 50_000): (app: AppContext) => LRUCache<string, V> {
  return perConnection(() => new LRUCache<string, V>({ max, ttl: ttlMs }));
}
