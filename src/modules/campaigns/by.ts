import type { Actor } from '../audit';
import type { StaffPrincipal } from '../staff';

/** Who acts on campaigns, rooms and keywords: the staff member and where the request came from. */
export interface By {
  staff: StaffPrincipal;
  ip?: string;
}

export const actorOf = (by: By): Actor => ({ type: 'staff', id: by.staff.id, name: by.staff.username, ip: by.ip, areaPath: by.staff.areaPath });
