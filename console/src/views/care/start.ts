import type { RouteLocationNormalized, RouteLocationRaw } from 'vue-router';
import { api } from '../../api/client';
import { session } from '../../lib/session';

/**
 * A village worker who lands on the console (just signed in, or opened it) with visits past due starts on the
 * list of those families instead of the dashboard; the menu's 首页 still opens the dashboard afterwards.
 */
export async function overdueStart(to: RouteLocationNormalized, from: RouteLocationNormalized): Promise<true | RouteLocationRaw> {
  const landing = from.name === undefined || from.name === 'login';
  if (!landing || to.name !== 'home' || session.me?.role !== 'village_worker' || !session.token) return true;
  const r = await api.GET('/api/admin/v1/care/families', { params: { query: { overdue: 'true', limit: 1 } } }).catch(() => null);
  return r?.data?.items.length ? { name: 'care', query: { overdue: '1' } } : true;
}
