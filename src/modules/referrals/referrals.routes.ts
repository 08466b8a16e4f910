import { Types } from 'mongoose';
import { callerOf, residentId, staffOf } from '../../http/auth';
import type { Api } from '../../http/route';
import { pageOf } from '../../http/zod';
import { addPhoto, PHOTO_BODY_LIMIT_KB } from './referrals.photos';
import {
  IdParams,
  PhotoAdded,
  PhotoBody,
  PhotoParams,
  ReferralCaseForStaff,
  ReferralForResident,
  ReferralForStaff,
  ReferralList,
  ReferralListItem,
  StaffListQuery,
  SubmitReferralBody,
  TransitionBody,
  WithdrawBody,
} from './referrals.schemas';
import * as referrals from './referrals.service';

const oid = (s: string) => new Types.ObjectId(s);

export function referralRoutes(api: Api): void {
  const app = api.app;
  const tags = ['referrals'];
  api.route({
    method: 'post',
    path: '/api/v1/referrals',
    summary: 'Refer a child with cleft lip/palate (child-data consent)',
    tags,
    auth: 'resident',
    body: SubmitReferralBody,
    status: 201,
    idempotent: true,
    response: ReferralForResident,
    handler: (ctx, { body }) => referrals.submitReferral(app, residentId(ctx), body),
  });
  api.route({
    method: 'get',
    path: '/api/v1/referrals',
    summary: 'My referrals',
    tags,
    auth: 'resident',
    response: ReferralList,
    handler: (ctx) => referrals.listMine(app, residentId(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/referrals/:id',
    summary: 'One of my referrals',
    tags,
    auth: 'resident',
    params: IdParams,
    response: ReferralForResident,
    handler: (ctx, { params }) => referrals.getMine(app, residentId(ctx), oid(params.id)),
  });
  api.route({
    method: 'post',
    path: '/api/v1/referrals/:id/withdraw',
    summary: 'Withdraw my referral',
    tags,
    auth: 'resident',
    params: IdParams,
    body: WithdrawBody,
    response: ReferralForResident,
    handler: (ctx, { params, body }) => referrals.withdraw(app, residentId(ctx), oid(params.id), body.note),
  });
  api.route({
    method: 'post',
    path: '/api/v1/referrals/:id/photos',
    summary: 'Add a photo (JPEG/PNG, base64, ≤ 2 MB)',
    tags,
    auth: 'resident',
    params: IdParams,
    body: PhotoBody,
    status: 201,
    bodyLimitKb: PHOTO_BODY_LIMIT_KB,
    idempotent: true,
    response: PhotoAdded,
    handler: async (ctx, { params, body }) => addPhoto(app, await referrals.requireMine(app, residentId(ctx), oid(params.id)), body.dataBase64),
  });

  const admin = ['admin: referrals'];
  api.route({
    method: 'get',
    path: '/api/admin/v1/referrals',
    summary: 'Referrals in my area (masked, with priority hint)',
    tags: admin,
    auth: 'staff',
    query: StaffListQuery,
    response: pageOf(ReferralListItem),
    handler: (ctx, { query }) => referrals.staffList(app, staffOf(ctx), query),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/referrals/:id',
    summary: 'One referral in full (audited)',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    response: ReferralForStaff,
    handler: (ctx, { params }) => referrals.staffView(app, callerOf(ctx), oid(params.id)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/referrals/:id/transitions',
    summary: 'Move a referral along its workflow',
    tags: admin,
    auth: 'staff',
    params: IdParams,
    body: TransitionBody,
    response: ReferralCaseForStaff,
    handler: (ctx, { params, body }) => referrals.staffTransition(app, callerOf(ctx), oid(params.id), body),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/referrals/:id/photos/:photoId',
    summary: 'View a photo (audited)',
    tags: admin,
    auth: 'staff',
    params: PhotoParams,
    raw: { contentType: 'image/jpeg' },
    handler: async (ctx, { params }) => {
      const photo = await referrals.viewPhoto(app, callerOf(ctx), oid(params.id), oid(params.photoId));
      ctx.set('cache-control', 'no-store');
      ctx.type = photo.contentType;
      ctx.body = photo.bytes;
    },
  });
}
