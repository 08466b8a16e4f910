import { api, call } from '../api/client';

export interface AreaOption {
  code: string;
  name: string;
  level: string;
}

const cache = new Map<string, Promise<AreaOption[]>>();

/** Children of an area (the district's towns when no parent is given); the list is public and changes only by import. */
export function childAreas(parentCode?: string): Promise<AreaOption[]> {
  const key = parentCode ?? '';
  let hit = cache.get(key);
  if (!hit) {
    hit = call(api.GET('/api/v1/areas', { params: { query: { parent: parentCode ?? '370303' } } })).then((r) => r.items);
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
  }
  return hit;
}

export const forgetAreas = (parentCode?: string): void => {
  cache.delete(parentCode ?? '');
};
