import { STAFF_ROLES } from '../../access';
import type { Api } from '../../http/route';
import { bearer, callerOf, residentId, staffOf } from '../../http/auth';
import { rateLimit } from '../../http/rate-limit';
import { NoContent, ObjectId, z } from '../../http/zod';
import { MAINLAND_MOBILE } from '../../lib/pii';
import * as staff from './staff.service';
import { importStaff, staffImportTemplate } from './staff.import';
import { bindState, confirmInApp, createBindCode, linkState, ownCode } from './staff.wechat';

const Principal = z
  .object({
    id: z.string(),
    username: z.string(),
    role: z.enum(STAFF_ROLES),
    areaCode: z.string(),
    areaPath: z.array(z.string()),
    displayName: z.string().optional(),
    mustChangePassword: z.literal(true).optional(),
  })
  .openapi('StaffPrincipal');
/** The signed-in staff member with the name of the area they look after. */
const Me = Principal.extend({ areaName: z.string().nullable() }).openapi('StaffMe');
const StaffView = Principal.extend({
  areaName: z.string().nullable(),
  disabled: z.boolean(),
  wechatBound: z.boolean(),
  phoneMasked: z.string().nullable(),
  createdAt: z.string(),
}).openapi('StaffView');
const Phone = z.string().trim().regex(MAINLAND_MOBILE, '请填写 11 位手机号');
const DisplayName = z.string().trim().max(40, '姓名不超过 40 字');
const NewPassword = z.string().min(10, '密码至少 10 位').max(200);
const Session = z.object({ token: z.string(), expiresAt: z.string() });
const managers = ['district_admin', 'town_admin'] as const;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function staffRoutes(api: Api): void {
  const app = api.app;
  const tags = ['admin: staff'];
  api.route({
    method: 'post',
    path: '/api/admin/v1/auth/login',
    summary: 'Staff login',
    tags,
    auth: 'none',
    body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }).strict(),
    response: z.object({ token: z.string(), expiresAt: z.string(), staff: Me }),
    middleware: [rateLimit({ windowMs: 60_000, max: 30 })],
    handler: async (ctx, { body }) => {
      const r = await staff.loginStaff(app, body.username, body.password, ctx.ip);
      return { token: r.token, expiresAt: r.expiresAt.toISOString(), staff: r.staff };
    },
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/me',
    summary: 'The signed-in staff member',
    tags,
    auth: 'staff',
    response: Me,
    handler: async (ctx) => staff.withAreaName(app, staffOf(ctx)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/staff',
    summary: 'Create a staff account (district admin, or town admin inside their town)',
    tags,
    auth: 'staff',
    roles: ['district_admin', 'town_admin'],
    status: 201,
    response: Principal,
    idempotent: true,
    body: z
      .object({
        username: z.string().regex(/^[a-zA-Z0-9_.-]{3,32}$/, '用户名为 3–32 位字母、数字或 _.-'),
        password: NewPassword,
        role: z.enum(STAFF_ROLES),
        areaCode: z.string().min(1).max(40),
        displayName: z.string().max(40).optional(),
        phone: Phone.optional(),
        wechatId: z.string().max(64).optional(),
      })
      .strict(),
    handler: (ctx, { body }) => staff.createStaffBy(app, callerOf(ctx), body),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/auth/logout',
    summary: 'End this staff session (the token is revoked server-side)',
    tags,
    auth: 'staff',
    status: 204,
    response: NoContent,
    handler: async (ctx) => {
      await staff.logoutStaff(app, callerOf(ctx), bearer(ctx));
      return null;
    },
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/me/password',
    summary: 'Change my password: every other session ends, this one gets a fresh token',
    tags,
    auth: 'staff',
    body: z.object({ currentPassword: z.string().min(1).max(200), newPassword: NewPassword }).strict(),
    response: Session,
    handler: async (ctx, { body }) => {
      const r = await staff.changeOwnPassword(app, callerOf(ctx), body.currentPassword, body.newPassword);
      return { token: r.token, expiresAt: r.expiresAt.toISOString() };
    },
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/staff',
    summary: 'Staff in my area (district admins: everyone; town admins: their town)',
    tags,
    auth: 'staff',
    roles: managers,
    query: z
      .object({
        role: z.enum(STAFF_ROLES).optional(),
        areaCode: z.string().max(40).optional(),
        disabled: z
          .enum(['true', 'false'])
          .transform((v) => v === 'true')
          .optional(),
        q: z.string().max(40).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
        cursor: ObjectId.optional(),
      })
      .strict(),
    response: z.object({ items: z.array(StaffView), nextCursor: z.string().nullable() }),
    handler: async (ctx, { query }) => staff.listStaff(app, staffOf(ctx), query, query),
  });
  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    api.route({
      method: 'post',
      path: `/api/admin/v1/staff/:id/${action}`,
      summary: disabled ? 'Disable a staff account (its sessions end at once)' : 'Enable a staff account',
      tags,
      auth: 'staff',
      roles: managers,
      params: z.object({ id: ObjectId }),
      response: StaffView,
      handler: (ctx, { params }) => staff.setStaffDisabled(app, callerOf(ctx), params.id, disabled),
    });
  }
  api.route({
    method: 'patch',
    path: '/api/admin/v1/staff/:id',
    summary: "Change a staff member's display name or phone (phone sealed at rest; audited with the fields changed)",
    tags,
    auth: 'staff',
    roles: managers,
    params: z.object({ id: ObjectId }),
    body: z.object({ displayName: DisplayName.optional(), phone: Phone.nullable().optional() }).strict(),
    response: StaffView,
    handler: (ctx, { params, body }) => staff.updateStaff(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/staff/import-template',
    summary: 'The XLSX template for importing staff accounts (areas in my scope and their roles listed)',
    tags,
    auth: 'staff',
    roles: managers,
    raw: { contentType: XLSX },
    handler: async (ctx) => {
      ctx.set('content-type', XLSX);
      ctx.set('content-disposition', `attachment; filename="staff-template.xlsx"`);
      ctx.body = await staffImportTemplate(app, staffOf(ctx));
    },
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/staff/import',
    summary:
      'Import staff accounts from the XLSX template (base64); all or nothing; a town admin only village workers of their town. Each account gets an initial password, returned once in this answer and stored only hashed; it must be changed at the first sign-in',
    tags,
    auth: 'staff',
    roles: managers,
    status: 201,
    bodyLimitKb: 1500,
    body: z.object({ format: z.literal('xlsx'), content: z.string().min(1).max(1_400_000) }).strict(),
    response: z
      .object({
        imported: z.number(),
        batch: z.string(),
        accounts: z.array(
          z.object({
            row: z.number(),
            username: z.string(),
            displayName: z.string(),
            role: z.enum(STAFF_ROLES),
            areaName: z.string(),
            initialPassword: z.string(),
          }),
        ),
      })
      .openapi('StaffImportResult'),
    handler: async (ctx, { body }) => {
      ctx.set('cache-control', 'no-store');
      return importStaff(app, callerOf(ctx), body.content);
    },
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/staff/:id/full',
    summary: 'A staff member with their full phone number (audited)',
    tags,
    auth: 'staff',
    roles: managers,
    params: z.object({ id: ObjectId }),
    response: StaffView.extend({ phone: z.string().nullable() }).openapi('StaffFull'),
    handler: (ctx, { params }) => staff.viewStaffFull(app, callerOf(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/staff/:id/reset-password',
    summary: 'Set a new password for a staff member (their sessions end at once)',
    tags,
    auth: 'staff',
    roles: managers,
    params: z.object({ id: ObjectId }),
    body: z.object({ password: NewPassword }).strict(),
    response: StaffView,
    handler: (ctx, { params, body }) => staff.resetStaffPassword(app, callerOf(ctx), params.id, body.password),
  });

  // ---- bind my WeChat (mini-program confirmation, then a private message to the bot) ----
  const BindCodeParams = z.object({ code: z.string().regex(/^[2-9A-HJ-NP-Z]{8}$/, '绑定码不正确') }).strict();
  const LinkState = z.object({ appLinked: z.boolean(), botLinked: z.boolean() });
  api.route({
    method: 'get',
    path: '/api/admin/v1/me/wechat',
    summary: 'Whether my WeChat is linked (mini-program, bot private chat)',
    tags,
    auth: 'staff',
    response: LinkState,
    handler: (ctx) => linkState(app, staffOf(ctx)),
  });
  api.route({
    method: 'post',
    path: '/api/admin/v1/me/wechat-bind',
    summary: 'A 10-minute single-use code to bind my WeChat (shown as a mini-program code)',
    tags,
    auth: 'staff',
    status: 201,
    response: z.object({ code: z.string(), scene: z.string(), page: z.string(), botCommand: z.string(), expiresAt: z.string() }).openapi('StaffWechatBindCode'),
    handler: (ctx) => createBindCode(app, callerOf(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/me/wechat-bind/:code',
    summary: 'Progress of one of my bind codes (the console polls it)',
    tags,
    auth: 'staff',
    params: BindCodeParams,
    response: LinkState.extend({ state: z.enum(['waiting', 'app_confirmed', 'bound', 'expired']), expiresAt: z.string() }).openapi('StaffWechatBindState'),
    handler: (ctx, { params }) => bindState(app, staffOf(ctx), params.code),
  });
  api.route({
    method: 'get',
    path: '/api/admin/v1/me/wechat-bind/:code/qr.png',
    summary: 'The mini-program code of one of my bind codes',
    tags,
    auth: 'staff',
    params: BindCodeParams,
    raw: { contentType: 'image/png' },
    handler: async (ctx, { params }) => {
      const c = await ownCode(app, staffOf(ctx), params.code);
      const png = await app.wechat.wxacodeUnlimited(`sb=${c._id}`, 'pages/staff-bind/index');
      ctx.set('cache-control', 'no-store');
      ctx.type = 'image/png';
      ctx.body = png;
    },
  });
  api.route({
    method: 'post',
    path: '/api/v1/staff-bind',
    summary: 'Confirm a staff bind code in the mini-program: links this WeChat user to the staff account',
    tags: ['staff-bind'],
    auth: 'resident',
    body: z.object({ code: z.string().trim().min(1, '请输入绑定码').max(20) }).strict(),
    response: z.object({ staffName: z.string(), botCommand: z.string(), expiresAt: z.string() }).openapi('StaffBindConfirmed'),
    middleware: [rateLimit({ windowMs: 60_000, max: 10 })],
    handler: (ctx, { body }) => confirmInApp(app, residentId(ctx), body.code),
  });
}
