import { forbidden } from '../http/errors';
import type { StaffPrincipal } from './principal';

/** True when an area path (from the district down) lies within the staff member's scope. */
export function inScope(staff: StaffPrincipal, areaPath: readonly string[]): boolean {
  return areaPath.includes(staff.areaCode);
}

export function assertInScope(staff: StaffPrincipal, areaPath: readonly string[] | undefined): void {
  if (!areaPath || !inScope(staff, areaPath)) throw forbidden('不在您的管辖范围内');
}

/** Mongo filter restricting documents with an `areaPath` array to the staff member's scope. */
export function scopeFilter(staff: StaffPrincipal, field = 'areaPath'): Record<string, string> {
  return { [field]: staff.areaCode };
}
