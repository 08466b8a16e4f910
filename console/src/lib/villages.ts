import { childAreas, type AreaOption } from './areas';
import { session } from './session';

export interface VillageOption extends AreaOption {
  /** "马尚街道 · 东村": the town is named, villages of different towns may share a name. */
  label: string;
}

let cached: Promise<VillageOption[]> | null = null;
let cachedFor = '';

/** The villages in the signed-in staff member's area (for filters and for naming village codes in lists). */
export function scopeVillages(): Promise<VillageOption[]> {
  const me = session.me;
  if (!me) return Promise.resolve([]);
  if (cached && cachedFor === me.areaCode) return cached;
  cachedFor = me.areaCode;
  cached = (async () => {
    const ownTown = me.role === 'village_worker' ? (me.areaPath[me.areaPath.length - 2] ?? '') : me.areaCode;
    const towns = me.role === 'district_admin' ? await childAreas('370303') : [{ code: ownTown, name: '', level: 'town' }];
    const lists = await Promise.all(
      towns.map(async (t) => (await childAreas(t.code)).map((v) => ({ ...v, label: t.name ? `${t.name} · ${v.name}` : v.name }))),
    );
    return me.role === 'village_worker' ? lists.flat().filter((v) => v.code === me.areaCode) : lists.flat();
  })();
  cached.catch(() => {
    cached = null;
  });
  return cached;
}

export const villageLabel = (list: VillageOption[], code: string): string => list.find((v) => v.code === code)?.label ?? code;
