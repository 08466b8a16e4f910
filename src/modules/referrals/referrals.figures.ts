import type { AppContext } from '../../context';
import { figure, figuresByArea, type FigureScope } from '../../lib/area-figures';
import { REFERRAL_STATUSES, ReferralTransitions, Referrals } from './referrals.model';

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
  for await (const r of Referrals(app.db).find({ ...match, areaPath: s.root }, { areaPath: 1, createdAt: 1 }).lean().cursor()) {
    submitted.set(String(r._id), { path: r.areaPath, at: r.createdAt });
  }
  const days = new Map<string, number[]>(s.codes.map((c) => [c, []]));
  const referredAt = new Map<string, Date>();
  const ids = [...submitted.keys()];
  for await (const t of ReferralTransitions(app.db).find({ referralId: { $in: ids }, to: 'referred' }, { referralId: 1, at: 1 }).lean().cursor()) {
    const prev = referredAt.get(String(t.referralId));
    if (!prev || t.at < prev) referredAt.set(String(t.referralId), t.at);
  }
  for (const [id, at] of referredAt) {
    const r = submitted.get(id)!;
    for (const code of r.path) days.get(code)?.push((at.getTime() - r.at.getTime()) / DAY_MS);
  }
  return new Map(s.codes.map((c) => [c, {
    byStatus: Object.fromEntries(REFERRAL_STATUSES.map((st) => [st, figure(byStatus, c, st)])) as Record<(typeof REFERRAL_STATUSES)[number], number>,
    daysToReferral: days.get(c)!,
  }]));
}
