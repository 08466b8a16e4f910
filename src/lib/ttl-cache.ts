import { LRUCache } from 'lru-cache';
import type { AppContext } from '../context';

/**
 * A short-lived in-process cache per database connection (tests run many databases in one process): bounded
 * by `max` entries, each kept `ttlMs`. For reads on every request whose writers forget the entry themselves.
 */
export function cachePerDatabase<V extends object>(ttlMs: number, max = 50_000): (app: AppContext) => LRUCache<string, V> {
  const caches = new WeakMap<object, LRUCache<string, V>>();
  return (app) => {
    let c = caches.get(app.db);
    if (!c) caches.set(app.db, (c = new LRUCache<string, V>({ max, ttl: ttlMs })));
    return c;
  };
}
