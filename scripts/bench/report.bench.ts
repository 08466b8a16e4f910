import http from 'node:http';
import os from 'node:os';
import { shanghaiYear, type FigureScope } from '../../src/lib/area-figures';
import { groupFigures } from '../../src/modules/campaigns';
import { insuranceFigures } from '../../src/modules/insurance';
import { quizYearFigures } from '../../src/modules/quiz';
import { referralFigures } from '../../src/modules/referrals';
import { residentFigures } from '../../src/modules/residents';
import { talkFigures } from '../../src/modules/talks';
import { Areas } from '../../src/modules/areas/areas.model';
import { Residents } from '../../src/modules/residents/residents.model';
import { staffLogin } from '../../test/helpers/fixtures';
import type { BenchHarness } from './harness';
import { REPORT_SIZE, seedDistrict } from './district-seed';
import { measure } from './measure';

/**
 * Issue 11: the yearly report over 100,000 residents and a year of activity — time and peak memory of the
 * JSON, XLSX and DOCX reports of the district, against a plain count of the residents in the same run.
 */
const RESIDENTS = Number(process.env.REPORT_BENCH_RESIDENTS ?? REPORT_SIZE.residents);
export default async function reportBench(h: BenchHarness): Promise<void> {
  const { t } = h;
  const seedStart = Date.now();
  const counts = await seedDistrict(t, { ...REPORT_SIZE, residents: RESIDENTS });
  h.print(`seeded (${h.dbKind}) in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`, counts);
  const admin = await staffLogin(t, 'district_admin', '370303');
  // node:http rather than fetch: a loaded machine may take longer than fetch's five-minute wait for headers.
  const get = (qs: string) =>
    new Promise<number>((resolve, reject) => {
      http
        .get(`${t.url}/api/admin/v1/reports/yearly?${qs}`, { headers: { authorization: `Bearer ${admin.token}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const bytes = Buffer.concat(chunks);
            if (res.statusCode !== 200) reject(new Error(`${res.statusCode} ${bytes.toString().slice(0, 200)}`));
            else resolve(bytes.length);
          });
        })
        .on('error', reject);
    });
  const load = () =>
    os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(', ');
  const count = await measure(() => Residents(t.db).countDocuments({ areaPath: '370303' }));
  console.log(`  (baseline count: ${(count.ms / 1000).toFixed(2)} s, load average ${load()})`);
  // Each section alone, one after another, to see where the time goes.
  const towns = await Areas(t.db).find({ parentCode: '370303' }, { code: 1 }).lean();
  const scope: FigureScope = { root: '370303', codes: ['370303', ...towns.map((x) => x.code)], ...shanghaiYear(2026), now: new Date('2026-12-20T00:00:00Z') };
  const sectionTimes: Record<string, string> = {};
  // REPORT_BENCH_SECTIONS=0 skips them (they take as long again as the report).
  if (process.env.REPORT_BENCH_SECTIONS !== '0')
    for (const [name, fn] of Object.entries({
      residents: () => residentFigures(t.app, scope),
      'quiz and literacy': () => quizYearFigures(t.app, { ...scope, rootPath: ['370303'] }),
      talks: () => talkFigures(t.app, scope),
      referrals: () => referralFigures(t.app, scope),
      insurance: () => insuranceFigures(t.app, scope),
      groups: () => groupFigures(t.app, scope),
    })) {
      sectionTimes[name] = `${((await measure(fn)).ms / 1000).toFixed(2)} s`;
      console.log(`  (${name}: ${sectionTimes[name]})`);
    }
  h.print('sections alone (district scope)', sectionTimes);
  const row = (m: Awaited<ReturnType<typeof measure>>) =>
    `${(m.ms / 1000).toFixed(2)} s · ratio ${(m.ms / count.ms).toFixed(1)}× the count · heap +${m.heapGrowthMb.toFixed(0)} MB · rss +${m.rssGrowthMb.toFixed(0)} MB · ${m.out} bytes`;
  const json = await measure(() => get('year=2026&format=json'));
  console.log(`  (district JSON: ${row(json)}, load average ${load()})`);
  const xlsx = await measure(() => get('year=2026&format=xlsx'));
  const docx = await measure(() => get('year=2026&format=docx'));
  const town = await measure(() => get(`year=2026&format=json&area=${encodeURIComponent('370303-JD-MS')}`));
  h.print(`yearly report over ${RESIDENTS.toLocaleString('en')} residents and a year of activity`, {
    'load average (1, 5, 15 min) at the end': load(),
    'baseline: countDocuments(residents in district)': `${(count.ms / 1000).toFixed(2)} s (${String(count.out)} residents)`,
    'district report, JSON': row(json),
    'district report, XLSX (streamed)': row(xlsx),
    'district report, DOCX': row(docx),
    'town report (马尚街道), JSON': row(town),
  });
}
