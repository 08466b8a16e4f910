import type { Api } from '../../http/route';
import { ObjectId, z } from '../../http/zod';
import { listAudit } from './audit.service';

export function auditRoutes(api: Api): void {
  api.route({
    method: 'get', path: '/api/admin/v1/audit', summary: 'Audit log (district admins)', tags: ['admin: audit'], auth: 'staff', roles: ['district_admin'],
    query: z.object({
      action: z.string().max(64).optional(),
      actorId: z.string().max(64).optional(),
      targetType: z.string().max(64).optional(),
      targetId: z.string().max(64).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(50),
      cursor: ObjectId.optional(),
    }).strict(),
    handler: (_ctx, { query }) => listAudit(api.app, query, query),
  });
}
