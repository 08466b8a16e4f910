import { childAreas } from '../../lib/areas';

/** A round's area by name: 全区 or the town's name (towns are the district's children). */
export async function areaName(code: string): Promise<string> {
  if (code === '370303') return '全区';
  const towns = await childAreas().catch(() => []);
  return towns.find((t) => t.code === code)?.name ?? code;
}
