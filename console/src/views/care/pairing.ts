import { api, call } from '../../api/client';
import { hasRole } from '../../lib/session';

export interface PairOption {
  id: string;
  label: string;
}

/** Village workers of a village, to pair with a family (only managers may list staff; others get none). */
export async function pairOptions(villageCode: string): Promise<PairOption[]> {
  if (!villageCode || !hasRole('district_admin', 'town_admin')) return [];
  const r = await call(api.GET('/api/admin/v1/staff', { params: { query: { role: 'village_worker', areaCode: villageCode, disabled: 'false', limit: 100 } } }));
  return r.items.map((s) => ({ id: s.id, label: s.displayName ? `${s.displayName}（${s.username}）` : s.username }));
}
