import type { Api } from '../../http/route';
import { callerOf, staffOf } from '../../http/auth';
import { pageOf, z } from '../../http/zod';
import { PageQuery } from '../../lib/pagination';
import * as areas from './areas.service';
import { importTemplate, listVillages, updateVillage } from './villages.service';

const AreaView = z.object({ code: z.string(), name: z.string(), level: z.string(), parentCode: z.string().nullable() }).openapi('Area');
const VillageView = z
  .object({ code: z.string(), name: z.string(), level: z.string(), parentCode: z.string(), parentName: z.string().nullable(), disabled: z.boolean() })
  .openapi('Village');
const VillageName = z.string().trim().min(1, '请填写名称').max(40, '名称不超过 40 字');
const managers = ['district_admin', 'town_admin'] as const;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function areaRoutes(api: Api): void {
  const app = api.app;
  const tags = ['admin: areas'];
  api.route({
    method: 'get',
    path: '/api/v1/areas',
    summary: 'Children of an area (village picker; disabled villages left out); no parent = the district',
    tags: ['areas'],
    auth: 'none',
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
    method: 'post',
    path: '/api/admin/v1/areas/import',
    summary: 'Import villages (XLSX template as base64, CSV `name,parentCode[,code]` or JSON); all or nothing; a town admin into their own town',
    tags,
    auth: 'staff',
    roles: managers,
    status: 201,
    bodyLimitKb: 1500,
    body: z.object({ format: z.enum(['csv', 'json', 'xlsx']), content: z.string().min(1).max(1_400_000) }).strict(),
    response: z.object({ imported: z.number(), batch: z.string() }),
    handler: (ctx, { body }) => areas.staffImportVillages(app, callerOf(ctx), body.format, body.content),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/areas/import-template',
    summary: 'The XLSX template for importing villages (Chinese headers; towns in my scope listed)',
    tags,
    auth: 'staff',
    roles: managers,
    raw: { contentType: XLSX },
    handler: async (ctx) => {
      ctx.set('content-type', XLSX);
      ctx.set('content-disposition', `attachment; filename="villages-template.xlsx"`);
      ctx.body = await importTemplate(app, staffOf(ctx));
    },
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/areas/villages',
    summary: 'Villages and communities in my scope, by town, name and status',
    tags,
    auth: 'staff',
    roles: managers,
    query: PageQuery.extend({
      town: z.string().min(1).max(40).optional(),
      q: z.string().trim().max(40).optional(),
      status: z.enum(['active', 'disabled']).optional(),
    }).strict(),
    response: pageOf(VillageView),
    handler: (ctx, { query }) => listVillages(app, staffOf(ctx), query),
  });
  api.route({
    method: 'patch',
    path: '/api/admin/v1/areas/villages/:code',
    summary: 'Rename a village, or disable / enable it (audited; the code never changes)',
    tags,
    auth: 'staff',
    roles: managers,
    params: z.object({ code: z.string().min(1).max(40) }).strict(),
    body: z.object({ name: VillageName.optional(), disabled: z.boolean().optional() }).strict(),
    response: VillageView,
    handler: (ctx, { params, body }) => updateVillage(app, callerOf(ctx), params.code, body),
  });
}
