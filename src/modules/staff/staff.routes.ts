import type { Api } from '../../http/route';
import { bearer, staffActor, staffOf } from '../../http/auth';
import { rateLimit } from '../../http/rate-limit';
import { NoContent, ObjectId, z } from '../../http/zod';
import { STAFF_ROLES } from './staff.model';
import * as staff from './staff.service';

const Principal = z.object({ id: z.string(), username: z.string(), role: z.enum(STAFF_ROLES), areaCode: z.string(), areaPath: z.array(z.string()), displayName: z.string().optional() }).openapi('StaffPrincipal');
const StaffView = Principal.extend({ areaName: z.string().nullable(), disabled: z.boolean(), wechatBound: z.boolean(), createdAt: z.string() }).openapi('StaffView');
const NewPassword = z.string().min(10, '密码至少 10 位').max(200);
const Session = z.object({ token: z.string(), expiresAt: z.string() });
const managers = ['district_admin', 'town_admin'] as const;

export function staffRoutes(api: Api): void {
  const app = api.app;
  const tags = ['admin: staff'];
  api.route({
    method: 'post', path: '/api/admin/v1/auth/login', summary: 'Staff login', tags, auth: 'none',
    body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }).strict(),
    response: z.object({ token: z.string(), expiresAt: z.string(), staff: Principal }),
    middleware: [rateLimit({ windowMs: 60_000, max: 30 })],
    handler: async (ctx, { body }) => {
      const r = await staff.loginStaff(app, body.username, body.password, ctx.ip);
      return { token: r.token, expiresAt: r.expiresAt.toISOString(), staff: r.staff };
    },
  });
  api.route({
    method: 'get', path: '/api/admin/v1/me', summary: 'The signed-in staff member', tags, auth: 'staff', response: Principal,
    handler: async (ctx) => staffOf(ctx),
  });
  api.route({
    method: 'post', path: '/api/admin/v1/staff', summary: 'Create a staff account (district admin, or town admin inside their town)', tags,
    auth: 'staff', roles: ['district_admin', 'town_admin'], status: 201, response: Principal, idempotent: true,
    body: z.object({
      username: z.string().regex(/^[a-zA-Z0-9_.-]{3,32}$/, '用户名为 3–32 位字母、数字或 _.-'),
      password: NewPassword,
      role: z.enum(STAFF_ROLES),
      areaCode: z.string().min(1).max(40),
      displayName: z.string().max(40).optional(),
      wechatId: z.string().max(64).optional(),
    }).strict(),
    handler: (ctx, { body }) => staff.createStaffBy(app, staffActor(ctx), staffOf(ctx), body),
  });
  api.route({
    method: 'post', path: '/api/admin/v1/auth/logout', summary: 'End this staff session (the token is revoked server-side)', tags, auth: 'staff',
    status: 204, response: NoContent,
    handler: async (ctx) => {
      await staff.logoutStaff(app, staffActor(ctx), staffOf(ctx), bearer(ctx));
      return null;
    },
  });
  api.route({
    method: 'post', path: '/api/admin/v1/me/password', summary: 'Change my password: every other session ends, this one gets a fresh token', tags, auth: 'staff',
    body: z.object({ currentPassword: z.string().min(1).max(200), newPassword: NewPassword }).strict(),
    response: Session,
    handler: async (ctx, { body }) => {
      const r = await staff.changeOwnPassword(app, staffActor(ctx), staffOf(ctx), body.currentPassword, body.newPassword);
      return { token: r.token, expiresAt: r.expiresAt.toISOString() };
    },
  });
  api.route({
    method: 'get', path: '/api/admin/v1/staff', summary: 'Staff in my area (district admins: everyone; town admins: their town)', tags,
    auth: 'staff', roles: managers,
    query: z.object({
      role: z.enum(STAFF_ROLES).optional(),
      areaCode: z.string().max(40).optional(),
      disabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      q: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: ObjectId.optional(),
    }).strict(),
    response: z.object({ items: z.array(StaffView), nextCursor: z.string().nullable() }),
    handler: async (ctx, { query }) => staff.listStaff(app, staffOf(ctx), query, query),
  });
  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    api.route({
      method: 'post', path: `/api/admin/v1/staff/:id/${action}`, summary: disabled ? 'Disable a staff account (its sessions end at once)' : 'Enable a staff account', tags,
      auth: 'staff', roles: managers, params: z.object({ id: ObjectId }), response: StaffView,
      handler: (ctx, { params }) => staff.setStaffDisabled(app, staffActor(ctx), staffOf(ctx), params.id, disabled),
    });
  }
  api.route({
    method: 'post', path: '/api/admin/v1/staff/:id/reset-password', summary: 'Set a new password for a staff member (their sessions end at once)', tags,
    auth: 'staff', roles: managers, params: z.object({ id: ObjectId }), body: z.object({ password: NewPassword }).strict(), response: StaffView,
    handler: (ctx, { params, body }) => staff.resetStaffPassword(app, staffActor(ctx), staffOf(ctx), params.id, body.password),
  });
}
