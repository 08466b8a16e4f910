import crypto from 'node:crypto';
import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { byIdLoader } from '../../lib/batch';
import { cachePerDatabase, collectionOf } from '../../db/coordination';
import { Sessions } from './sessions.model';

type Subject = { subjectType: 'resident' | 'staff'; subjectId: Types.ObjectId; expiresAt: Date };

/**
 * Live sessions seen in the last few seconds, per database, so a request does not read its session every
 * time. Revoking in this process takes effect at once; in another process within CACHE_MS.
 */
const CACHE_MS = 5_000;
const cacheOf = cachePerDatabase<Subject>(CACHE_MS);

/** Session reads of concurrent requests share one command (a burst of first requests after a push). */
const loadSession = byIdLoader(Sessions);

const hash = (token: string): string => crypto.createHash('sha256').update(token).digest('base64url');

/** Issue an opaque random token; only its hash is stored. */
export async function issueToken(
  app: AppContext,
  subjectType: 'resident' | 'staff',
  subjectId: Types.ObjectId,
  ttlHours: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = crypto.randomBytes(32).toString('base64url');
  const now = app.clock.now();
  const expiresAt = new Date(now.getTime() + ttlHours * 3600_000);
  await collectionOf(Sessions(app.db)).insertOne({ _id: hash(token), subjectType, subjectId, createdAt: now, expiresAt });
  // the first requests after a login need not read the session they just got
  cacheOf(app).set(hash(token), { subjectType, subjectId, expiresAt });
  return { token, expiresAt };
}

export async function resolveToken(app: AppContext, token: string): Promise<{ subjectType: 'resident' | 'staff'; subjectId: Types.ObjectId } | null> {
  const id = hash(token);
  const cache = cacheOf(app);
  let s: Subject | undefined = cache.get(id);
  if (!s) {
    const doc = await loadSession(app.db, id);
    if (!doc || doc.revokedAt) return null;
    s = { subjectType: doc.subjectType, subjectId: doc.subjectId, expiresAt: doc.expiresAt };
    cache.set(id, s);
  }
  if (s.expiresAt <= app.clock.now()) return null;
  return { subjectType: s.subjectType, subjectId: s.subjectId };
}

export async function revokeToken(app: AppContext, token: string): Promise<void> {
  await Sessions(app.db).updateOne({ _id: hash(token) }, { $set: { revokedAt: app.clock.now() } });
  cacheOf(app).delete(hash(token));
}

export async function revokeAllFor(app: AppContext, subjectType: 'resident' | 'staff', subjectId: Types.ObjectId): Promise<void> {
  await Sessions(app.db).updateMany({ subjectType, subjectId, revokedAt: { $exists: false } }, { $set: { revokedAt: app.clock.now() } });
  const cache = cacheOf(app);
  for (const [id, s] of cache.entries()) if (s.subjectType === subjectType && s.subjectId.equals(subjectId)) cache.delete(id);
}

/** Scheduled cleanup (FerretDB has no TTL indexes). */
export async function purgeExpiredSessions(app: AppContext): Promise<number> {
  const cutoff = new Date(app.clock.now().getTime() - 24 * 3600_000);
  const r = await Sessions(app.db).deleteMany({ expiresAt: { $lt: cutoff } });
  return r.deletedCount;
}
