import crypto from 'node:crypto';
import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { Sessions } from './sessions.model';

const hash = (token: string): string => crypto.createHash('sha256').update(token).digest('base64url');

/** Issue an opaque random token; only its hash is stored. */
export async function issueToken(
  ctx: AppContext,
  subjectType: 'resident' | 'staff',
  subjectId: Types.ObjectId,
  ttlHours: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = crypto.randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + ttlHours * 3600_000);
  await Sessions(ctx.db).create({ _id: hash(token), subjectType, subjectId, createdAt: now, expiresAt });
  return { token, expiresAt };
}

export async function resolveToken(ctx: AppContext, token: string): Promise<{ subjectType: 'resident' | 'staff'; subjectId: Types.ObjectId } | null> {
  const s = await Sessions(ctx.db).findById(hash(token)).lean();
  if (!s || s.revokedAt || s.expiresAt <= ctx.clock.now()) return null;
  return { subjectType: s.subjectType, subjectId: s.subjectId };
}

export async function revokeToken(ctx: AppContext, token: string): Promise<void> {
  await Sessions(ctx.db).updateOne({ _id: hash(token) }, { $set: { revokedAt: ctx.clock.now() } });
}

export async function revokeAllFor(ctx: AppContext, subjectType: 'resident' | 'staff', subjectId: Types.ObjectId): Promise<void> {
  await Sessions(ctx.db).updateMany({ subjectType, subjectId, revokedAt: { $exists: false } }, { $set: { revokedAt: ctx.clock.now() } });
}

/** Scheduled cleanup (FerretDB has no TTL indexes). */
export async function purgeExpiredSessions(ctx: AppContext): Promise<number> {
  const cutoff = new Date(ctx.clock.now().getTime() - 24 * 3600_000);
  const r = await Sessions(ctx.db).deleteMany({ expiresAt: { $lt: cutoff } });
  return r.deletedCount;
}
