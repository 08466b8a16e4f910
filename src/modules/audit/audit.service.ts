import type { AppContext } from '../../context';
import { requestContext } from '../../logger';
import { findPage, type PageQuery } from '../../lib/pagination';
import { AuditLog, type AuditDoc } from './audit.model';

export interface Actor {
  type: 'staff' | 'resident' | 'system';
  id: string;
  name?: string;
  ip?: string;
}

/** Append one record. There is no update or delete path for audit records anywhere in the code. */
export async function audit(
  app: AppContext,
  actor: Actor,
  action: string,
  target: { type: string; id: string },
  details?: Record<string, unknown>,
): Promise<void> {
  await AuditLog(app.db).create({
    at: app.clock.now(),
    actorType: actor.type,
    actorId: actor.id,
    actorName: actor.name,
    action,
    targetType: target.type,
    targetId: target.id,
    requestId: requestContext.getStore()?.requestId,
    ip: actor.ip,
    details,
  });
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  actorName?: string;
  /** Entries at or after / before these times. */
  from?: Date;
  to?: Date;
}

export async function listAudit(app: AppContext, f: AuditFilter, page: PageQuery) {
  const filter: Record<string, unknown> = {};
  for (const k of ['action', 'actorId', 'targetType', 'targetId', 'actorName'] as const) if (f[k]) filter[k] = f[k];
  if (f.from || f.to) filter.at = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
  return findPage(AuditLog(app.db), filter, page, (rows) => rows.map((r: AuditDoc) => ({
    id: String(r._id),
    at: r.at.toISOString(),
    actorType: r.actorType,
    actorId: r.actorId,
    actorName: r.actorName ?? null,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    requestId: r.requestId ?? null,
    ip: r.ip ?? null,
    details: r.details ?? null,
  })));
}
