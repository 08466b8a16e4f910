import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import type { Task } from '../../task';
import { deletePhotos, listPhotos } from './referrals.photos';
import { Referrals, ReferralTransitions } from './referrals.model';
import { childDetails, openPersonal } from './referrals.service';
import { STATUS_LABELS } from './referrals.workflow';

/** Remove the personal fields of one case (and its photos, and free-text notes); status and dates stay. */
export async function erasePersonal(app: AppContext, id: Types.ObjectId): Promise<void> {
  await deletePhotos(app, id);
  await ReferralTransitions(app.db).updateMany({ referralId: id }, { $unset: { note: 1, reason: 1 } });
  await Referrals(app.db).updateOne({ _id: id }, { $unset: { personalEnc: 1, dupIndex: 1 }, $set: { personalErasedAt: app.clock.now() } });
}

/** Withdrawn or finished cases keep personal data for REFERRAL_RETENTION_DAYS after closing, then lose it. */
export async function runReferralRetention(app: AppContext): Promise<{ erased: number }> {
  const cutoff = new Date(app.clock.now().getTime() - app.config.REFERRAL_RETENTION_DAYS * 86_400_000);
  const due = await Referrals(app.db)
    .find({ closedAt: { $lt: cutoff }, personalErasedAt: { $exists: false } }, { _id: 1 })
    .lean();
  for (const r of due) await erasePersonal(app, r._id);
  return { erased: due.length };
}

export const referralTasks: Task[] = [{ name: 'referrals.retention', cron: '40 3 * * *', run: runReferralRetention }];

/** "Export my data" section: the guardian's own referrals in full. */
export async function exportReferrals(app: AppContext, residentId: Types.ObjectId) {
  const rows = await Referrals(app.db).find({ residentId }).sort({ _id: 1 }).lean();
  return Promise.all(
    rows.map(async (r) => {
      const p = openPersonal(app, r);
      return {
        id: String(r._id),
        status: r.status,
        statusLabel: STATUS_LABELS[r.status],
        ...(p ? childDetails(p, 'full') : {}),
        referredTo: r.referredTo ?? null,
        surgeryDate: r.surgeryDate ?? null,
        photos: (await listPhotos(app, r._id)).length,
        createdAt: r.createdAt.toISOString(),
      };
    }),
  );
}

export async function eraseReferrals(app: AppContext, residentId: Types.ObjectId): Promise<void> {
  const rows = await Referrals(app.db).find({ residentId }, { _id: 1 }).lean();
  for (const r of rows) await erasePersonal(app, r._id);
}
