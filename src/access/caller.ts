import type { Types } from 'mongoose';
import type { AppContext } from '../context';
import type { AuditAction } from '../dictionaries';
import type { StaffPrincipal } from './principal';

/** Who an audit record or a case transition names as having acted. */
export interface Actor {
  type: 'staff' | 'resident' | 'system';
  id: string;
  name?: string;
  ip?: string;
  /** A staff actor's area path: the audit log is read by area, and town admins read their own area's. */
  areaPath?: string[];
}

export interface AuditTarget {
  type: string;
  id: string;
}

/** Appends one audit record; the audit module provides it. */
export type AuditWriter = (app: AppContext, actor: Actor, action: AuditAction, target: AuditTarget, details?: Record<string, unknown>) => Promise<void>;

/**
 * A staff member acting: who they are (their scope is `staff`), how audit records and case histories name them
 * (`actor`), and the audit log they write to.
 */
export interface Caller {
  readonly staff: StaffPrincipal;
  readonly actor: Actor;
  /** Append an audit record naming this caller. */
  audit(action: AuditAction, target: AuditTarget, details?: Record<string, unknown>): Promise<void>;
}

/** The caller of a request (with its client address) or of a bot command (without). */
export function staffCaller(app: AppContext, staff: StaffPrincipal, write: AuditWriter, ip?: string): Caller {
  const actor: Actor = { type: 'staff', id: staff.id, name: staff.username, ip, areaPath: staff.areaPath };
  return { staff, actor, audit: (action, target, details) => write(app, actor, action, target, details) };
}

/** What the HTTP layer needs from the modules to know its callers; the modules provide it (see modules/index.ts). */
export interface AccessPorts {
  /** The subject of a bearer token, or null when it is unknown, revoked or expired. */
  resolveToken(app: AppContext, token: string): Promise<{ subjectType: 'resident' | 'staff'; subjectId: Types.ObjectId } | null>;
  /** The staff member of that id unless the account is disabled. */
  activeStaff(app: AppContext, id: Types.ObjectId): Promise<StaffPrincipal | null>;
  audit: AuditWriter;
}
