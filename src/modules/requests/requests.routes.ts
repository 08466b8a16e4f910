import { Types } from 'mongoose';
import { callerOf, residentId, staffOf } from '../../http/auth';
import type { Api } from '../../http/route';
import { pageOf } from '../../http/zod';
import { PHOTO_BODY_LIMIT_KB } from '../../lib/sealed-photos';
import {
  IdParams,
  MyRulesQuery,
  PhotoAdded,
  PhotoBody,
  PhotoParams,
  RaiseBody,
  RateBody,
  RequestForResident,
  RequestForStaff,
  RequestList,
  RequestListItem,
  RulesBody,
  RulesForResident,
  RulesQuery,
  RulesStatus,
  StaffListQuery,
  TransitionBody,
} from './requests.schemas';
import * as requests from './requests.service';
import { publishRules, readRules, rulesStatus } from './village-rules.service';

const oid = (s: string) => new Types.ObjectId(s);
const AREA_STAFF = ['district_admin', 'town_admin', 'village_worker'] as const;

export function requestRoutes(api: Api): void {
  const app = api.app;
  const tags = ['requests'];
  api.route({
    method: 'post',
    path: '/api/v1/requests',
    summary: 'Raise a request to my village association',
    tags,
    auth: 'resident',
    body: RaiseBody,
    status: 201,
    idempotent: true,
    response: RequestForResident,
    handler: (ctx, { body }) => requests.raise(app, residentId(ctx), body),
  });
  api.route({
    method: 'get',
    path: '/api/v1/requests',
    summary: 'My requests, each with every step and its date',
    tags,
    auth: 'resident',
    response: RequestList,
    handler: (ctx) => requests.listMine(app, residentId(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/requests/:id',
    summary: 'One of my requests',
    tags,
    auth: 'resident',
    params: IdParams,
    response: RequestForResident,
    handler: (ctx, { params }) => requests.getMine(app, residentId(ctx), oid(params.id)),
  });
  api.route({
    method: 'post',
    path: '/api/v1/requests/:id/photos',
    summary: 'Add a photo (JPEG/PNG, base64, ≤ 2 MB, at most 3)',
    tags,
    auth: 'resident',
    params: IdParams,
    body: PhotoBody,
    status: 201,
    bodyLimitKb: PHOTO_BODY_LIMIT_KB,
    idempotent: true,
    response: PhotoAdded,
    handler: (ctx, { params, body }) => requests.addPhoto(app, residentId(ctx), oid(params.id), body.dataBase64),
  });
  api.route({
    method: 'post',
    path: '/api/v1/requests/:id/close',
    summary: 'Satisfied with the reply: close it with a rating',
    tags,
    auth: 'resident',
    params: IdParams,
    body: RateBody,
    response: RequestForResident,
    handler: (ctx, { params, body }) => requests.residentMove(app, residentId(ctx), oid(params.id), 'closed', body),
  });
  api.route({
    method: 'post',
    path: '/api/v1/requests/:id/reopen',
    summary: 'Not satisfied: send it back with a rating and why',
    tags,
    auth: 'resident',
    params: IdParams,
    body: RateBody,
    response: RequestForResident,
    handler: (ctx, { params, body }) => requests.residentMove(app, residentId(ctx), oid(params.id), 'reopened', body),
  });
  api.route({
    method: 'get',
    path: '/api/v1/village-rules',
    summary: "My village's current 村规民约 (reading it counts once per version)",
    tags,
    auth: 'resident',
    query: MyRulesQuery,
    response: RulesForResident,
    handler: (ctx, { query }) => readRules(app, residentId(ctx), query.villageCode),
  });

  const admin = ['admin: requests'];
  api.route({
    method: 'get',
    path: '/api/admin/v1/requests',
    summary: "Residents' requests in my area, without their text",
    tags: admin,
    auth: 'staff',
    roles: AREA_STAFF,
    query: StaffListQuery,
    response: pageOf(RequestListItem),
    handler: (ctx, { query }) => requests.staffList(app, staffOf(ctx), query),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/requests/:id',
    summary: 'One request in full (audited)',
    tags: admin,
    auth: 'staff',
    roles: AREA_STAFF,
    params: IdParams,
    response: RequestForStaff,
    handler: (ctx, { params }) => requests.staffView(app, callerOf(ctx), oid(params.id)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/requests/:id/transitions',
    summary: 'Accept, pass to the town, or reply',
    tags: admin,
    auth: 'staff',
    roles: AREA_STAFF,
    params: IdParams,
    body: TransitionBody,
    response: RequestForStaff,
    handler: (ctx, { params, body }) => requests.staffMove(app, callerOf(ctx), oid(params.id), body),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/requests/:id/photos/:photoId',
    summary: 'A photo of a request (audited)',
    tags: admin,
    auth: 'staff',
    roles: AREA_STAFF,
    params: PhotoParams,
    raw: { contentType: 'image/jpeg' },
    handler: async (ctx, { params }) => {
      const photo = await requests.viewPhoto(app, callerOf(ctx), oid(params.id), oid(params.photoId));
      ctx.set('cache-control', 'no-store');
      ctx.type = photo.contentType;
      ctx.body = photo.bytes;
    },
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/village-rules',
    summary: "A village's 村规民约: current version, how many households have read it, earlier versions",
    tags: admin,
    auth: 'staff',
    roles: AREA_STAFF,
    query: RulesQuery,
    response: RulesStatus,
    handler: (ctx, { query }) => rulesStatus(app, staffOf(ctx), query.villageCode),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/village-rules',
    summary: 'Publish a new version of a village’s 村规民约',
    tags: admin,
    auth: 'staff',
    roles: AREA_STAFF,
    body: RulesBody,
    status: 201,
    response: RulesStatus,
    handler: (ctx, { body }) => publishRules(app, callerOf(ctx), body),
  });
}
