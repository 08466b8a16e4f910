/** Who is acting and what they may reach: the staff principal, its area scope, and the caller services receive. */
export { STAFF_ROLES, type StaffPrincipal, type StaffRole } from './principal';
export { assertInScope, inScope, scopeFilter } from './scope';
export { staffCaller, type AccessPorts, type Actor, type AuditTarget, type AuditWriter, type Caller } from './caller';
