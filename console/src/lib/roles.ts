import type { Role } from './session';

export const ALL: Role[] = ['district_admin', 'town_admin', 'village_worker'];
export const MANAGERS: Role[] = ['district_admin', 'town_admin'];
