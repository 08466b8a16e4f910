import { PassThrough } from 'node:stream';
import { Types } from 'mongoose';
import { callerOf, residentId, staffOf } from '../../http/auth';
import type { Api } from '../../http/route';
import { pageOf, z } from '../../http/zod';
import { batchVerify, importPolicyNumbers, policyTemplate } from './insurance.batch';
import { writeEnrolmentsXlsx } from './insurance.export';
import { createProduct, listProducts, requireProduct, updateProduct } from './insurance.products';
import {
  BatchVerifyBody,
  BatchVerifyResult,
  EnrolBody,
  EnrolmentCaseForStaff,
  EnrolmentForResident,
  EnrolmentForStaff,
  EnrolmentList,
  EnrolmentListItem,
  ExportQuery,
  IdParams,
  PolicyImportBody,
  PolicyImportResult,
  ProductBody,
  ProductList,
  ProductView,
  StaffListQuery,
  TransitionBody,
} from './insurance.schemas';
import * as insurance from './insurance.service';

const oid = (s: string) => new Types.ObjectId(s);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function insuranceRoutes(api: Api): void {
  const app = api.app;

  const tags = ['insurance'];
  api.route({
    method: 'get',
    path: '/api/v1/insurance/products',
    summary: 'Current insurance products with plans and prices',
    tags,
    auth: 'resident',
    response: ProductList,
    handler: () => listProducts(app),
  });
  api.route({
    method: 'post',
    path: '/api/v1/insurance/enrolments',
    summary: 'Enrol household members (insurance consent)',
    tags,
    auth: 'resident',
    body: EnrolBody,
    status: 201,
    idempotent: true,
    response: EnrolmentForResident,
    handler: (ctx, { body }) => insurance.enrol(app, residentId(ctx), body),
  });
  api.route({
    method: 'get',
    path: '/api/v1/insurance/enrolments',
    summary: 'My enrolments',
    tags,
    auth: 'resident',
    response: EnrolmentList,
    handler: (ctx) => insurance.listMine(app, residentId(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/insurance/enrolments/:id',
    summary: 'One of my enrolments',
    tags,
    auth: 'resident',
    params: IdParams,
    response: EnrolmentForResident,
    handler: (ctx, { params }) => insurance.getMine(app, residentId(ctx), oid(params.id)),
  });
  api.route({
    method: 'post',
    path: '/api/v1/insurance/enrolments/:id/cancel',
    summary: 'Cancel my enrolment before payment',
    tags,
    auth: 'resident',
    params: IdParams,
    body: z.object({ note: z.string().trim().max(200).optional() }).strict(),
    response: EnrolmentForResident,
    handler: (ctx, { params, body }) => insurance.cancelMine(app, residentId(ctx), oid(params.id), body.note),
  });

  const admin = ['admin: insurance'];
  api.route({
    method: 'post',
    path: '/api/admin/v1/insurance/products',
    summary: 'Create a product',
    tags: admin,
    auth: 'staff',
    roles: ['district_admin'],
    body: ProductBody,
    status: 201,
    response: ProductView,
    handler: (ctx, { body }) => createProduct(app, callerOf(ctx), body),
  });
  api.route({
    method: 'put',
    path: '/api/admin/v1/insurance/products/:id',
    summary: 'Replace a product',
    tags: admin,
    auth: 'staff',
    roles: ['district_admin'],
    params: IdParams,
    body: ProductBody,
    response: ProductView,
    handler: (ctx, { params, body }) => updateProduct(app, callerOf(ctx), oid(params.id), body),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/insurance/products',
    summary: 'Current products',
    tags: admin,
    auth: 'staff',
    response: ProductList,
    handler: () => listProducts(app),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/insurance/enrolments',
    summary: 'Enrolments in my area (masked)',
    tags: admin,
    auth: 'staff',
    query: StaffListQuery,
    response: pageOf(EnrolmentListItem),
    handler: (ctx, { query }) => insurance.staffList(app, staffOf(ctx), query),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/insurance/enrolments/:id',
    summary: 'One enrolment in full (audited)',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    response: EnrolmentForStaff,
    handler: (ctx, { params }) => insurance.staffView(app, callerOf(ctx), oid(params.id)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/insurance/enrolments/:id/transitions',
    summary: 'Move an enrolment along its workflow',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    body: TransitionBody,
    response: EnrolmentCaseForStaff,
    handler: (ctx, { params, body }) => insurance.staffTransition(app, callerOf(ctx), oid(params.id), body),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/insurance/products/:id/export.xlsx',
    summary: 'Insurer batch file (XLSX, streamed, audited)',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    query: ExportQuery,
    raw: { contentType: XLSX },
    handler: async (ctx, { params, query }) => {
      const product = await requireProduct(app, oid(params.id));
      const out = new PassThrough({ highWaterMark: 256 * 1024 });
      ctx.type = XLSX;
      ctx.attachment(`insurance-${product.year}-${params.id}.xlsx`);
      ctx.set('cache-control', 'no-store');
      ctx.body = out;
      writeEnrolmentsXlsx(app, callerOf(ctx), product, query.status, out).catch((err: unknown) => {
        app.logger.error({ err, event: 'insurance.export_failed' }, 'export failed');
        out.destroy(err as Error);
      });
    },
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/insurance/enrolments/verify',
    summary: 'Verify many submitted enrolments at once (each reported)',
    tags: admin,
    auth: 'staff',
    body: BatchVerifyBody,
    response: BatchVerifyResult,
    handler: (ctx, { body }) => batchVerify(app, staffOf(ctx), body.ids, insurance.moveAsStaff(app, callerOf(ctx))),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/insurance/policy-template.xlsx',
    summary: 'Empty policy-number file to fill from the insurer reply',
    tags: admin,
    auth: 'staff',
    raw: { contentType: XLSX },
    handler: async (ctx) => {
      ctx.type = XLSX;
      ctx.attachment('policy-numbers-template.xlsx');
      ctx.body = await policyTemplate();
    },
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/insurance/products/:id/policy-import',
    summary: 'Import policy numbers from XLSX (all or nothing; errors by row)',
    tags: admin,
    auth: 'staff',
    roles: ['district_admin', 'town_admin'],
    params: IdParams,
    body: PolicyImportBody,
    bodyLimitKb: 4096,
    response: PolicyImportResult,
    handler: async (ctx, { params, body }) =>
      importPolicyNumbers(app, callerOf(ctx), await requireProduct(app, oid(params.id)), body.contentBase64, insurance.moveAsStaff(app, callerOf(ctx))),
  });
}
