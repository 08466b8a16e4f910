import type { Api } from '../../http/route';
import { staffActor, staffOf } from '../../http/auth';
import { rateLimit } from '../../http/rate-limit';
import { z } from '../../http/zod';
import { AppError } from '../../http/errors';
import { getArea } from '../areas';
import { audit } from '../audit';
import { STAFF_ROLES } from './staff.model';
import * as staff from './staff.service';

const Principal = z.object({ id: z.string(), username: z.string(), role: z.enum(STAFF_ROLES), areaCode: z.string(), areaPath: z.array(z.string()), displayName: z.string().optional() }).openapi('StaffPrincipal');

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
      password: z.string().min(10, '密码至少 10 位').max(200),
      role: z.enum(STAFF_ROLES),
      areaCode: z.string().min(1).max(40),
      displayName: z.string().max(40).optional(),
      wechatId: z.string().max(64).optional(),
    }).strict(),
    handler: async (ctx, { body }) => {
      const me = staffOf(ctx);
      if (me.role === 'town_admin' && body.role !== 'village_worker') throw new AppError('FORBIDDEN', 403, '镇街管理员只能创建村居工作人员');
      staff.assertInScope(me, (await getArea(app, body.areaCode))?.path);
      const created = await staff.createStaff(app, body);
      await audit(app, staffActor(ctx), 'staff.create', { type: 'staff', id: created.id }, { role: created.role, areaCode: created.areaCode });
      return created;
    },
  });
}
