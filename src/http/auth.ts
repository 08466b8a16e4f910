import type { Context } from 'koa';
import { Types } from 'mongoose';
import { staffCaller, type AccessPorts, type Caller, type StaffPrincipal, type StaffRole } from '../access';
import type { AppContext } from '../context';
import { AppError } from './errors';

export type Principal = { type: 'resident'; residentId: Types.ObjectId } | { type: 'staff'; staff: StaffPrincipal; caller: Caller };

export function bearer(ctx: Context): string | null {
  const m = /^Bearer ([\w-]{20,100})$/.exec(ctx.get('authorization'));
  return m?.[1] ?? null;
}

const unauthorized = (): AppError => new AppError('UNAUTHORIZED', 401, '请先登录');

/** What a staff member signed in with a password someone else chose may do: read who they are, set a new one, leave. */
const PASSWORD_CHANGE_PATHS = new Set(['/api/admin/v1/me', '/api/admin/v1/me/password', '/api/admin/v1/auth/logout']);

/** Resolve the caller; resident tokens never pass staff routes and staff tokens never pass resident routes. */
export async function authenticate(
  app: AppContext,
  ports: AccessPorts,
  ctx: Context,
  kind: 'resident' | 'staff',
  roles?: readonly StaffRole[],
): Promise<Principal> {
  const token = bearer(ctx);
  if (!token) throw unauthorized();
  const subject = await ports.resolveToken(app, token);
  if (!subject || subject.subjectType !== kind) throw unauthorized();
  if (kind === 'resident') return { type: 'resident', residentId: subject.subjectId };
  const staff = await ports.activeStaff(app, subject.subjectId);
  if (!staff) throw unauthorized();
  if (staff.mustChangePassword && !PASSWORD_CHANGE_PATHS.has(ctx.path)) {
    throw new AppError('PASSWORD_CHANGE_REQUIRED', 403, '首次登录（或密码被重置）后请先设置新密码');
  }
  // An expert answers questions: besides their own account, only the routes that name their role.
  const allowed = roles
    ? roles.includes(staff.role)
    : staff.role !== 'expert' || PASSWORD_CHANGE_PATHS.has(ctx.path) || ctx.path.startsWith('/api/admin/v1/me/');
  if (!allowed) throw new AppError('FORBIDDEN', 403, '您的角色不能进行此操作');
  return { type: 'staff', staff, caller: staffCaller(app, staff, ports.audit, ctx.ip) };
}

export function residentId(ctx: Context): Types.ObjectId {
  const p: Principal | undefined = ctx.state.principal;
  if (p?.type !== 'resident') throw unauthorized();
  return p.residentId;
}

/** The signed-in staff member (their scope). */
export function staffOf(ctx: Context): StaffPrincipal {
  return callerOf(ctx).staff;
}

/** The signed-in staff member as the caller of a service: scope, audit actor (with the client address), audit log. */
export function callerOf(ctx: Context): Caller {
  const p: Principal | undefined = ctx.state.principal;
  if (p?.type !== 'staff') throw unauthorized();
  return p.caller;
}
