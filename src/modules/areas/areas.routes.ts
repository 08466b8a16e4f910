import type { Api } from '../../http/route';
import { staffActor } from '../../http/auth';
import { z } from '../../http/zod';
import * as areas from './areas.service';

const AreaView = z.object({ code: z.string(), name: z.string(), level: z.string(), parentCode: z.string().nullable() }).openapi('Area');

export function areaRoutes(api: Api): void {
  const app = api.app;
  api.route({
    method: 'get', path: '/api/v1/areas', summary: 'Children of an area (village picker); no parent = the district', tags: ['areas'], auth: 'none',
    query: z.object({ parent: z.string().min(1).max(40).optional() }).strict(),
    response: z.object({ items: z.array(AreaView) }),
    handler: async (_ctx, { query }) => {
      if (!query.parent) {
        const district = await areas.getArea(app, '370303');
        return { items: district ? [{ code: district.code, name: district.name, level: district.level, parentCode: null }] : [] };
      }
      return { items: await areas.listChildren(app, query.parent) };
    },
  });
  api.route({
    method: 'post', path: '/api/admin/v1/areas/import', summary: 'Import villages (CSV `name,parentCode[,code]` or JSON); all or nothing',
    tags: ['admin: areas'], auth: 'staff', roles: ['district_admin'], status: 201, bodyLimitKb: 1024,
    body: z.object({ format: z.enum(['csv', 'json']), content: z.string().min(1).max(1_000_000) }).strict(),
    response: z.object({ imported: z.number(), batch: z.string() }),
    handler: (ctx, { body }) => areas.staffImportVillages(app, staffActor(ctx), body.format, body.content),
  });
}
