import type { Role } from './session';

export const ALL: Role[] = ['district_admin', 'town_admin', 'village_worker'];
export const MANAGERS: Role[] = ['district_admin', 'town_admin'];
/** Who answers questions of residents: the experts, and the district admins who watch over them. */
export const CONSULT: Role[] = ['expert', 'district_admin'];
