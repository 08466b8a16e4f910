import type { AppContext } from '../../context';
import { z } from '../../http/zod';
import { figure, figuresByArea, labelled, mean, median, StatusCounts, type FigureScope } from '../../lib/area-figures';
import type { FigureSection } from '../module';
import { REFERRAL_STATUSES, ReferralTransitions, Referrals } from './referrals.model';
import { STATUS_LABELS } from './referrals.workflow';

const DAY_MS = 86_400_000;

/**
 * Referrals submitted in the year by their current status, and for those referred the days from submission
 * to the referral (the first transition to `referred`). Referral numbers are small (tens a year), so the
 * waiting times are read as a stream of (id, path, submitted) and their transitions by id.
 */
export async function referralFigures(app: AppContext, s: FigureScope) {
  const match = { createdAt: { $gte: s.from, $lt: s.to } };
  const byStatus = await figuresByArea(Referrals(app.db), s.root, s.codes, { match, by: 'status' });
  const submitted = new Map<string, { path: string[]; at: Date }>();
  for await (const r of Referrals(app.db)
    .find({ ...match, areaPath: s.root }, { areaPath: 1, createdAt: 1 })
    .lean()
    .cursor()) {
    submitted.set(String(r._id), { path: r.areaPath, at: r.createdAt });
  }
  const days = new Map<string, number[]>(s.codes.map((c) => [c, []]));
  const referredAt = new Map<string, Date>();
  const ids = [...submitted.keys()];
  for await (const t of ReferralTransitions(app.db)
    .find({ referralId: { $in: ids }, to: 'referred' }, { referralId: 1, at: 1 })
    .lean()
    .cursor()) {
    const prev = referredAt.get(String(t.referralId));
    if (!prev || t.at < prev) referredAt.set(String(t.referralId), t.at);
  }
  for (const [id, at] of referredAt) {
    const r = submitted.get(id)!;
    for (const code of r.path) days.get(code)?.push((at.getTime() - r.at.getTime()) / DAY_MS);
  }
  return new Map(
    s.codes.map((c) => [
      c,
      {
        byStatus: Object.fromEntries(REFERRAL_STATUSES.map((st) => [st, figure(byStatus, c, st)])) as Record<(typeof REFERRAL_STATUSES)[number], number>,
        daysToReferral: days.get(c)!,
      },
    ]),
  );
}

/** Cleft-aid referrals by status and the days from submission to referral. */
export const referralFigureSection: FigureSection<Awaited<ReturnType<typeof referralFigures>>> = {
  order: 40,
  figures: referralFigures,
  row: (f, code) => {
    const rf = f.get(code)!;
    return {
      referrals: {
        byStatus: rf.byStatus,
        total: Object.values(rf.byStatus).reduce((s, n) => s + n, 0),
        referredCount: rf.daysToReferral.length,
        daysToReferralAverage: mean(rf.daysToReferral),
        daysToReferralMedian: median(rf.daysToReferral),
      },
    };
  },
  rowShape: {
    referrals: z.object({
      byStatus: z.record(z.string(), z.number()),
      total: z.number(),
      referredCount: z.number(),
      daysToReferralAverage: z.number().nullable(),
      daysToReferralMedian: z.number().nullable(),
    }),
  },
  dashboard: (r) => ({ referrals: { byStatus: labelled(r.referrals.byStatus, STATUS_LABELS), total: r.referrals.total } }),
  dashboardShape: { referrals: z.object({ byStatus: StatusCounts, total: z.number() }) },
  sheets: (r) => {
    const statuses = Object.keys(STATUS_LABELS) as Array<keyof typeof STATUS_LABELS>;
    return [
      {
        key: 'referrals',
        title: '唇腭裂救助转介',
        percent: [],
        headers: ['地区编码', '地区', ...statuses.map((s) => STATUS_LABELS[s]), '合计', '已转介（有转介时间）', '提交到转介平均天数', '中位天数'],
        rows: r.areas.map((a) => [
          a.code,
          a.name,
          ...statuses.map((s) => a.referrals.byStatus[s]),
          a.referrals.total,
          a.referrals.referredCount,
          a.referrals.daysToReferralAverage,
          a.referrals.daysToReferralMedian,
        ]),
      },
    ];
  },
  overview: { clauses: (a) => [`唇腭裂救助转介 ${a.referrals.total} 例`] },
};
