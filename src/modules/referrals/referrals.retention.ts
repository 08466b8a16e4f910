import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import type { Task } from '../../worker';
import { deletePhotos, listPhotos } from './referrals.photos';
import { Referrals, ReferralTransitions } from './referrals.model';
import { childDetails, openPersonal } from './referrals.service';
import { STATUS_LABELS } from './referrals.workflow';

/** Remove the personal fields of one case (and its photos, and free-text notes); status and dates stay. */
export async function erasePersonal(ctx: AppContext, id: Types.ObjectId): Promise<void> {
  await deletePhotos(ctx, id);
  await ReferralTransitions(ctx.db).updateMany({ referralId: id }, { $unset: { note: 1, reason: 1 } });
  await Referrals(ctx.db).updateOne({ _id: id }, { $unset: { personalEnc: 1, dupIndex: 1 }, $set: { personalErasedAt: ctx.clock.now() } });
}

/** Withdrawn or finished cases keep personal data for REFERRAL_RETENTION_DAYS after closing, then lose it. */
export async function runReferralRetention(ctx: AppContext): Promise<{ erased: number }> {
  const cutoff = new Date(ctx.clock.now().getTime() - ctx.config.REFERRAL_RETENTION_DAYS * 86_400_000);
  const due = await Referrals(ctx.db).find({ closedAt: { $lt: cutoff }, personalErasedAt: { $exists: false } }, { _id: 1 }).lean();
  for (const r of due) await erasePersonal(ctx, r._id);
  return { erased: due.length };
}

export const referralTasks: Task[] = [{ name: 'referrals.retention', cron: '40 3 * * *', run: runReferralRetention }];

/** "Export my data" section: the guardian's own referrals in full. */
export async function exportReferrals(ctx: AppContext, residentId: Types.ObjectId) {
  const rows = await Referrals(ctx.db).find({ residentId }).sort({ _id: 1 }).lean();
  return Promise.all(rows.map(async (r) => {
    const p = openPersonal(ctx, r);
    return {
      id: String(r._id),
      status: r.status,
      statusLabel: STATUS_LABELS[r.status],
      ...(p ? childDetails(p, 'full') : {}),
      referredTo: r.referredTo ?? null,
      surgeryDate: r.surgeryDate ?? null,
      photos: (await listPhotos(ctx, r._id)).length,
      createdAt: r.createdAt.toISOString(),
    };
  }));
}

export async function eraseReferrals(ctx: AppContext, residentId: Types.ObjectId): Promise<void> {
  const rows = await Referrals(ctx.db).find({ residentId }, { _id: 1 }).lean();
  for (const r of rows) await erasePersonal(ctx, r._id);
}
