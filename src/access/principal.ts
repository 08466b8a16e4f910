import { staffRole } from '../dictionaries';

export const STAFF_ROLES = staffRole.values;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** What the rest of the code knows about a signed-in staff member. */
export interface StaffPrincipal {
  id: string;
  username: string;
  role: StaffRole;
  areaCode: string;
  areaPath: string[];
  displayName?: string;
  /** Signed in with a password someone else chose: only setting a new one is allowed until then. */
  mustChangePassword?: true;
}
