import crypto from 'node:crypto';
import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { Sessions } from './sessions.model';

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
  await Sessions(app.db).create({ _id: hash(token), subjectType, subjectId, createdAt: now, expiresAt });
  return { token, expiresAt };
}

export async function resolveToken(app: AppContext, token: string): Promise<{ subjectType: 'resident' | 'staff'; subjectId: Types.ObjectId } | null> {
  const s = await Sessions(app.db).findById(hash(token)).lean();
  if (!s || s.revokedAt || s.expiresAt <= app.clock.now()) return null;
  return { subjectType: s.subjectType, subjectId: s.subjectId };
}

export async function revokeToken(app: AppContext, token: string): Promise<void> {
  await Sessions(app.db).updateOne({ _id: hash(token) }, { $set: { revokedAt: app.clock.now() } });
}

export async function revokeAllFor(app: AppContext, subjectType: 'resident' | 'staff', subjectId: Types.ObjectId): Promise<void> {
  await Sessions(app.db).updateMany({ subjectType, subjectId, revokedAt: { $exists: false } }, { $set: { revokedAt: app.clock.now() } });
}

/** Scheduled cleanup (FerretDB has no TTL indexes). */
export async function purgeExpiredSessions(app: AppContext): Promise<number> {
  const cutoff = new Date(app.clock.now().getTime() - 24 * 3600_000);
  const r = await Sessions(app.db).deleteMany({ expiresAt: { $lt: cutoff } });
  return r.deletedCount;
}
