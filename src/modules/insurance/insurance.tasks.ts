import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { shanghaiDay } from '../../lib/shanghai';
import { enqueueMany } from '../../notify/outbox.service';
import type { Task } from '../../task';
import { EnrolmentKeys, Enrolments, Products } from './insurance.model';
import { ENROLMENT_LABELS } from './insurance.validation';

/**
 * Queue one renewal reminder per issued enrolment of every product whose policy ends within
 * INSURANCE_RENEWAL_NOTICE_DAYS. Keyed per enrolment, so running daily queues each reminder once.
 */
export async function queueRenewalReminders(app: AppContext): Promise<{ queued: number }> {
  const now = app.clock.now();
  const today = shanghaiDay(now);
  const horizon = shanghaiDay(new Date(now.getTime() + app.config.INSURANCE_RENEWAL_NOTICE_DAYS * 86_400_000));
  const products = await Products(app.db)
    .find({ policyEnd: { $gte: today, $lte: horizon } })
    .lean();
  let queued = 0;
  for (const p of products) {
    const rows = await Enrolments(app.db).find({ productId: p._id, status: 'issued' }, { residentId: 1, areaPath: 1 }).lean();
    queued += await enqueueMany(
      app,
      rows.map((e) => ({
        key: `insurance:${String(e._id)}:renewal:${p.policyEnd}`,
        channel: 'subscribe' as const,
        payload: {
          residentId: String(e.residentId),
          templateKey: 'insurance_renewal',
          page: 'pages/insurance/index',
          data: { thing1: p.name, date2: p.policyEnd, thing3: '保障即将到期，请及时续保' },
        },
        source: { enrolmentId: String(e._id), productId: String(p._id) },
        areaPath: e.areaPath,
      })),
    );
  }
  return { queued };
}

export const insuranceTasks: Task[] = [{ name: 'insurance.renewals', cron: '10 9 * * *', run: queueRenewalReminders }];

/** "Export my data": my enrolments with the full names and numbers I entered. */
export async function exportEnrolments(app: AppContext, residentId: Types.ObjectId) {
  const rows = await Enrolments(app.db).find({ residentId }).sort({ _id: 1 }).lean();
  return rows.map((e) => ({
    id: String(e._id),
    productId: String(e.productId),
    status: e.status,
    statusLabel: ENROLMENT_LABELS[e.status],
    applicantPhone: e.applicantPhoneEnc ? app.pii.open(e.applicantPhoneEnc) : null,
    insured: e.insured.map((x) => ({
      name: x.nameEnc ? app.pii.open(x.nameEnc) : null,
      idCard: x.idCardEnc ? app.pii.open(x.idCardEnc) : null,
      relation: x.relation,
      planCode: x.planCode,
      premiumFen: x.premiumFen,
    })),
    policyNo: e.policyNo ?? null,
    createdAt: e.createdAt.toISOString(),
  }));
}

/** Erasure: names, numbers and phone go, and the people's keys are released; status and premiums stay. */
export async function eraseEnrolments(app: AppContext, residentId: Types.ObjectId): Promise<void> {
  const rows = await Enrolments(app.db).find({ residentId }).lean();
  for (const e of rows) {
    await EnrolmentKeys(app.db).deleteMany({ enrolmentId: e._id });
    const insured = e.insured.map((x) => ({ relation: x.relation, planCode: x.planCode, premiumFen: x.premiumFen }));
    await Enrolments(app.db).updateOne({ _id: e._id }, { $set: { insured, personalErasedAt: app.clock.now() }, $unset: { applicantPhoneEnc: 1 } });
  }
}
