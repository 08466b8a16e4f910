import { api, call } from '../../api/client';

export interface PairOption {
  id: string;
  label: string;
}

/** Village workers of a village, by name, to pair with a family (any staff member whose area holds the village). */
export async function pairOptions(villageCode: string): Promise<PairOption[]> {
  if (!villageCode) return [];
  const r = await call(api.GET('/api/admin/v1/care/pair-options', { params: { query: { villageCode } } }));
  return r.items.map((s) => ({ id: s.id, label: s.name }));
}
