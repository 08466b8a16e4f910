import type { Api } from '../../http/route';
import { callerOf, residentId, staffOf } from '../../http/auth';
import { Limiter, rateLimit } from '../../http/rate-limit';
import { NoContent, ObjectId, pageOf, z } from '../../http/zod';
import { PageQuery } from '../../lib/pagination';
import { Types } from 'mongoose';
import type { ResidentDataSection } from '../module';
import * as residents from './residents.service';
import {
  ConsentBody,
  ConsentState,
  LoginBody,
  LoginResponse,
  MeResponse,
  MyDataExport,
  PatchMeBody,
  PhoneBody,
  PurposeParams,
  ResidentFull,
  ResidentListItem,
} from './residents.schemas';

/**
 * Resident login limits, per minute. One village often shares one operator NAT address, so the address bucket is
 * sized for a whole village during a quiz push; one account, or one code replayed, is stopped much earlier.
 */
export const LOGIN_LIMITS = { perAddress: 600, perAccount: 10, perCode: 3 } as const;

const Consents = z.object({ consents: z.array(ConsentState) });

/** `otherData`: every other module's share of a resident's data, for export, erasure and renames. */
export function residentRoutes(api: Api, otherData: readonly ResidentDataSection[]): void {
  const app = api.app;
  const tags = ['residents'];
  const perCode = new Limiter({ windowMs: 60_000, max: LOGIN_LIMITS.perCode });
  const perAccount = new Limiter({ windowMs: 60_000, max: LOGIN_LIMITS.perAccount });
  api.route({
    method: 'post',
    path: '/api/v1/auth/login',
    summary: 'Log in with a wx.login code',
    tags,
    auth: 'none',
    body: LoginBody,
    response: LoginResponse,
    middleware: [rateLimit({ windowMs: 60_000, max: LOGIN_LIMITS.perAddress })],
    handler: async (ctx, { body }) => {
      await perCode.take(body.code, ctx); // a code is single-use: repeating one is a client stuck in a loop
      return residents.login(app, body.code, (openid) => perAccount.take(openid, ctx));
    },
  });
  api.route({
    method: 'get',
    path: '/api/v1/me',
    summary: 'My profile',
    tags,
    auth: 'resident',
    response: MeResponse,
    handler: async (ctx) => residents.meView(app, await residents.getResident(app, residentId(ctx))),
  });
  api.route({
    method: 'patch',
    path: '/api/v1/me',
    summary: 'Update my profile',
    tags,
    auth: 'resident',
    body: PatchMeBody,
    response: MeResponse,
    handler: (ctx, { body }) => residents.updateProfile(app, residentId(ctx), body, otherData),
  });
  api.route({
    method: 'post',
    path: '/api/v1/me/phone',
    summary: 'Set my phone from a getPhoneNumber code',
    tags,
    auth: 'resident',
    body: PhoneBody,
    response: MeResponse,
    handler: (ctx, { body }) => residents.setPhoneFromWeChat(app, residentId(ctx), body.code),
  });
  api.route({
    method: 'post',
    path: '/api/v1/me/consents',
    summary: 'Give consent for a purpose',
    tags,
    auth: 'resident',
    body: ConsentBody,
    response: Consents,
    status: 201,
    handler: (ctx, { body }) => residents.grantConsent(app, residentId(ctx), body.purpose, body.policyVersion, body.guardianRelation),
  });
  api.route({
    method: 'delete',
    path: '/api/v1/me/consents/:purpose',
    summary: 'Withdraw consent',
    tags,
    auth: 'resident',
    params: PurposeParams,
    response: Consents,
    handler: (ctx, { params }) => residents.withdrawConsent(app, residentId(ctx), params.purpose),
  });
  api.route({
    method: 'get',
    path: '/api/v1/me/export',
    summary: 'All my data (PIPL)',
    tags,
    auth: 'resident',
    response: MyDataExport,
    handler: (ctx) => residents.exportMyData(app, residentId(ctx), otherData),
  });
  api.route({
    method: 'delete',
    path: '/api/v1/me',
    summary: 'Erase my personal data (PIPL)',
    tags,
    auth: 'resident',
    status: 204,
    response: NoContent,
    handler: async (ctx) => {
      await residents.eraseMe(app, residentId(ctx), otherData);
      return null;
    },
  });

  const admin = ['admin: residents'];
  api.route({
    method: 'get',
    path: '/api/admin/v1/residents',
    summary: 'Residents in my area (masked)',
    tags: admin,
    auth: 'staff',
    response: pageOf(ResidentListItem),
    query: PageQuery.extend({ areaCode: z.string().max(40).optional() }).strict(),
    handler: (ctx, { query }) => residents.listResidentsForStaff(app, staffOf(ctx), query),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/residents/:id',
    summary: 'One resident in full (audited)',
    tags: admin,
    auth: 'staff',
    response: ResidentFull,
    params: z.object({ id: ObjectId }),
    handler: (ctx, { params }) => residents.viewResidentForStaff(app, callerOf(ctx), new Types.ObjectId(params.id)),
  });
}
