/**
 * Coordination between processes on a database without transactions: every race is decided by a unique index
 * (README.md in this folder).
 */
export { cachePerDatabase, perConnection } from './cache';
export { collectionOf, keyedCollection } from './collections';
export { insertWins, removeHeld } from './keys';
export { claimKey, releaseOrphan, type Orphan } from './orphans';
export { leasesIn, releaseLease, removeStale, tryLease, wallNow, withLease, type Lease, type LeaseDoc, type LeaseLock, type LeaseWait } from './lease';
export { backoffMs, sleep } from './sleep';
