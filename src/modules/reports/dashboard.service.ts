import { assertInScope, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { validationError } from '../../http/errors';
import { shanghaiYear } from '../../lib/area-figures';
import { shanghaiDay } from '../../lib/shanghai';
import { cachePerDatabase } from '../../db/coordination';
import { areaNames, getArea, listChildAreas } from '../areas';
import { areaFigureRows, figureSections } from './figures';

/** Dashboards are opened often and by many; the same area and year is computed at most once a minute per process. */
const cached = cachePerDatabase<Promise<Dashboard>>(60_000, 2000);

export interface DashboardQuery {
  area?: string;
  year?: number;
}

/**
 * The console's home figures for one area in the staff member's scope: the area itself and each child area (a
 * district's towns, a town's villages), for one year (default: this year in Asia/Shanghai). Aggregates only,
 * nothing personal; each module's figure section as in the yearly report, a few of its fields per area.
 */
export async function dashboard(app: AppContext, staff: StaffPrincipal, q: DashboardQuery) {
  const area = await getArea(app, q.area ?? staff.areaCode);
  if (!area) throw validationError('area', '地区不存在', { code: 'INVALID_AREA' });
  assertInScope(staff, area.path);
  const now = app.clock.now();
  const year = q.year ?? Number(shanghaiDay(now).slice(0, 4));
  const cache = cached(app);
  const key = `${area.code}:${year}`;
  let value = cache.get(key);
  if (!value) {
    value = compute(app, area.code, year, now);
    cache.set(key, value);
    value.catch(() => cache.delete(key));
  }
  // The way back up, from the staff member's own area down to the one shown (never above their scope).
  const codes = area.path.slice(area.path.indexOf(staff.areaCode));
  const names = await areaNames(app, codes);
  return { ...(await value), trail: codes.map((c) => ({ code: c, name: names.get(c) ?? c })) };
}

async function compute(app: AppContext, code: string, year: number, now: Date) {
  const area = (await getArea(app, code))!;
  const children = await listChildAreas(app, area.code);
  const { from, to } = shanghaiYear(year);
  const { rows } = await areaFigureRows(app, { root: area.code, codes: [area.code, ...children.map((c) => c.code)], from, to, now }, [area, ...children]);
  const sections = figureSections();
  const disabled = new Set(children.filter((c) => c.disabled).map((c) => c.code));
  return {
    year,
    area: { code: area.code, name: area.name, level: area.level },
    generatedAt: now.toISOString(),
    rows: rows.map((r, i) => ({
      code: r.code,
      name: r.name,
      level: r.level,
      total: i === 0,
      /** A town or subdistrict opens onto its villages; a village is the last level. */
      drillable: i > 0 && !['village', 'community'].includes(r.level),
      disabled: disabled.has(r.code),
      ...(Object.assign({}, ...sections.map((s) => s.dashboard(r))) as Record<string, unknown>),
    })),
  };
}

export type Dashboard = Awaited<ReturnType<typeof compute>>;
