import { PassThrough } from 'node:stream';
import type { Api } from '../../http/route';
import { actorType } from '../../dictionaries';
import { callerOf, staffOf } from '../../http/auth';
import { IsoDateTime, ObjectId, pageOf, z } from '../../http/zod';
import { auditFilterFor, listAudit, writeAuditXlsx } from './audit.service';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const AuditRecord = z
  .object({
    id: z.string(),
    at: IsoDateTime,
    actorType: actorType.schema,
    actorId: z.string(),
    actorName: z.string().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    /** The staff actor's area (the last code of their area path), null for residents and the system. */
    areaCode: z.string().nullable(),
    /** The staff actor's whole area path (district first), so a reader can name each level. */
    areaPath: z.array(z.string()).nullable(),
    details: z.record(z.unknown()).nullable(),
  })
  .openapi('AuditRecord');

const Filters = z.object({
  action: z.string().max(64).optional(),
  actorId: z.string().max(64).optional(),
  targetType: z.string().max(64).optional(),
  targetId: z.string().max(64).optional(),
  actorName: z.string().max(64).optional(),
  /** Actions of staff of this area or any area under it (a town, or a village). */
  area: z.string().max(40).optional(),
  from: z
    .string()
    .datetime({ offset: true })
    .transform((v) => new Date(v))
    .optional(),
  to: z
    .string()
    .datetime({ offset: true })
    .transform((v) => new Date(v))
    .optional(),
});

const READERS = ['district_admin', 'town_admin'] as const;

export function auditRoutes(api: Api): void {
  const tags = ['admin: audit'];
  api.route({
    method: 'get',
    path: '/api/admin/v1/audit',
    summary: "Audit log: district admins all of it, town admins the actions of their town's staff",
    tags,
    auth: 'staff',
    roles: READERS,
    query: Filters.extend({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: ObjectId.optional() }).strict(),
    response: pageOf(AuditRecord),
    handler: (ctx, { query }) => listAudit(api.app, auditFilterFor(staffOf(ctx), query), query),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/audit/export.xlsx',
    summary: 'The filtered audit log as XLSX (newest first, at most 10,000 rows; the export is itself audited)',
    tags,
    auth: 'staff',
    roles: READERS,
    query: Filters.strict(),
    raw: { contentType: XLSX },
    handler: async (ctx, { query }) => {
      const out = new PassThrough({ highWaterMark: 256 * 1024 });
      ctx.type = XLSX;
      ctx.attachment(`audit-${new Date().toISOString().slice(0, 10)}.xlsx`);
      ctx.set('cache-control', 'no-store');
      ctx.body = out;
      writeAuditXlsx(api.app, callerOf(ctx), auditFilterFor(staffOf(ctx), query), query, out).catch((err: unknown) => {
        api.app.logger.error({ err, event: 'audit.export_failed' }, 'export failed');
        out.destroy(err as Error);
      });
    },
  });
}
