import type { Api } from '../../http/route';
import { IsoDateTime, ObjectId, pageOf, z } from '../../http/zod';
import { listAudit } from './audit.service';

const AuditRecord = z
  .object({
    id: z.string(),
    at: IsoDateTime,
    actorType: z.enum(['staff', 'resident', 'system']),
    actorId: z.string(),
    actorName: z.string().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    details: z.record(z.unknown()).nullable(),
  })
  .openapi('AuditRecord');

export function auditRoutes(api: Api): void {
  api.route({
    method: 'get', path: '/api/admin/v1/audit', summary: 'Audit log (district admins)', tags: ['admin: audit'], auth: 'staff', roles: ['district_admin'],
    query: z.object({
      action: z.string().max(64).optional(),
      actorId: z.string().max(64).optional(),
      targetType: z.string().max(64).optional(),
      targetId: z.string().max(64).optional(),
      actorName: z.string().max(64).optional(),
      from: z.string().datetime({ offset: true }).transform((v) => new Date(v)).optional(),
      to: z.string().datetime({ offset: true }).transform((v) => new Date(v)).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(50),
      cursor: ObjectId.optional(),
    }).strict(),
    response: pageOf(AuditRecord),
    handler: (_ctx, { query }) => listAudit(api.app, query, query),
  });
}
