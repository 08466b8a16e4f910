import type { AppContext } from '../../context';
import { z } from '../../http/zod';
import { addOnPath, emptyFigures, figure, type FigureScope } from '../../lib/area-figures';
import type { FigureSection } from '../module';
import { Residents } from './residents.model';

/**
 * Residents registered by the end of the year (not erased) and those who consented to the basic terms, in one
 * streamed pass reading the village path and the consent's policy version only (a `$group` per village costs
 * the test server more than reading them).
 */
export async function residentFigures(app: AppContext, s: FigureScope) {
  const f = emptyFigures(s.codes);
  const rows = Residents(app.db)
    .find({ createdAt: { $lt: s.to }, erasedAt: { $exists: false }, areaPath: s.root }, { _id: 0, areaPath: 1, 'consents.basic.policyVersion': 1 })
    .lean()
    .cursor({ batchSize: 5000 });
  for await (const r of rows as AsyncIterable<{ areaPath?: string[]; consents?: { basic?: { policyVersion?: string } } }>) {
    addOnPath(f, r.areaPath ?? [], 'registered', 1);
    if (r.consents?.basic?.policyVersion) addOnPath(f, r.areaPath ?? [], 'consented', 1);
  }
  return new Map(s.codes.map((c) => [c, { registered: figure(f, c, 'registered'), consented: figure(f, c, 'consented') }]));
}

const LEVEL_LABELS: Record<string, string> = { district: '区', town: '镇', subdistrict: '街道', village: '村', community: '社区' };

type ResidentFigures = Awaited<ReturnType<typeof residentFigures>>;

/** Registered residents: the first section, the base of the others' rates. */
export const residentFigureSection: FigureSection<ResidentFigures> = {
  order: 10,
  figures: residentFigures,
  row: (f, code) => ({ residents: f.get(code)! }),
  rowShape: { residents: z.object({ registered: z.number(), consented: z.number() }) },
  dashboard: (r) => ({ residents: r.residents.registered }),
  dashboardShape: { residents: z.number() },
  sheets: (r) => [
    {
      key: 'residents',
      title: '居民登记',
      percent: [],
      headers: ['地区编码', '地区', '级别', '登记居民', '同意隐私条款'],
      rows: r.areas.map((a) => [a.code, a.name, LEVEL_LABELS[a.level] ?? a.level, a.residents.registered, a.residents.consented]),
    },
  ],
  overview: { clauses: (a, r) => [`${r.year}年，${r.area.name}共登记居民 ${a.residents.registered} 人，其中 ${a.residents.consented} 人同意隐私条款`] },
};
