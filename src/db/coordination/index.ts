/**
 * Coordination between processes on a database without transactions: every race is decided by a unique index
 * (README.md in this folder).
 */
export { cachePerDatabase, perConnection } from './cache';
export { collectionOf, keyedCollection } from './collections';
export { claimKey, insertWins, releaseOrphan, removeHeld, type Orphan } from './keys';
export { leasesIn, releaseLease, tryLease, wallNow, withLease, type Lease, type LeaseDoc, type LeaseLock, type LeaseWait } from './lease';
export { backoffMs, sleep } from './sleep';
