import { Types } from 'mongoose';
import type { StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { notFound } from '../../http/errors';
import { expertAverages } from './feedback.service';
import { Experts } from './talks.model';
import { expertView } from './talks.service';

interface ExpertInput {
  name: string;
  hospital: string;
  title: string;
  specialties: string[];
}

export async function createExpert(app: AppContext, input: ExpertInput) {
  const doc = await Experts(app.db).create({ ...input, active: true, createdAt: app.clock.now() });
  return expertView(doc.toObject());
}

export async function updateExpert(app: AppContext, id: string, patch: Partial<ExpertInput> & { active?: boolean }) {
  const doc = Types.ObjectId.isValid(id) ? await Experts(app.db).findByIdAndUpdate(id, { $set: patch }, { new: true }).lean() : null;
  if (!doc) throw notFound('专家');
  return expertView(doc);
}

/** The pool with each expert's average rating from sessions in the caller's scope. */
export async function listExperts(app: AppContext, staff: StaffPrincipal, includeInactive: boolean) {
  const rows = await Experts(app.db)
    .find(includeInactive ? {} : { active: true })
    .sort({ name: 1 })
    .limit(500)
    .lean();
  const ratings = await expertAverages(app, staff);
  return { items: rows.map((e) => ({ ...expertView(e), feedback: ratings.get(String(e._id)) ?? { count: 0, average: null } })) };
}

/** One pool entry (active or not), or null. */
export async function getExpert(app: AppContext, id: Types.ObjectId) {
  return Experts(app.db).findById(id).lean();
}
