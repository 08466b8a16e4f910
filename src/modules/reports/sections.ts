import type { FigureSheet } from '../module';
import { figureSections } from './figures';
import type { YearlyReport } from './yearly.service';

export type Section = FigureSheet;

/** Every table of the report: each module's sheets in section order, then the typical cases. */
export function sections(r: YearlyReport): Section[] {
  return [
    ...figureSections().flatMap((s) => s.sheets(r)),
    {
      key: 'cases',
      title: '典型案例',
      percent: [],
      headers: ['标题', '地区', '内容', '撰写人', '审核人', '日期'],
      rows: r.cases.map((c) => [c.title, c.areaName ?? c.areaCode, c.text, c.createdBy, c.reviewedBy, c.createdAt.slice(0, 10)]),
    },
  ];
}

/** The paragraph that opens the summary: each section's headline figures of the area itself. */
export function overview(r: YearlyReport): string {
  const a = r.areas[0]!;
  const parts: string[] = [];
  for (const s of figureSections()) {
    if (!s.overview) continue;
    const [first, ...rest] = s.overview.clauses(a, r);
    if (first === undefined) continue;
    if (s.overview.continues && parts.length) parts[parts.length - 1] += `，${first}`;
    else parts.push(first);
    parts.push(...rest);
  }
  return `${parts.join('；')}。`;
}
