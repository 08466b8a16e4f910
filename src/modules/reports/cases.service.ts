import { Types } from 'mongoose';
import { assertInScope, type Caller, inScope, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { openBytes, sealBytes, sniffImage } from '../../lib/blob-crypto';
import { getArea } from '../areas';
import { createBroadcast } from '../campaigns';
import { TypicalCases, type CaseStatus, type TypicalCaseDoc } from './reports.model';

export const MAX_PHOTO_BYTES = 1024 * 1024;

interface CaseInput {
  title: string;
  text: string;
  areaCode?: string;
  talkId?: string;
  familyResidentId?: string;
  /** Base64 of a JPEG or PNG. */
  photo?: string;
}

export const caseView = (c: TypicalCaseDoc, areaName?: string) => ({
  id: String(c._id),
  title: c.title,
  text: c.text,
  areaCode: c.areaCode,
  areaName: areaName ?? null,
  talkId: c.talkId ? String(c.talkId) : null,
  familyResidentId: c.familyResidentId ? String(c.familyResidentId) : null,
  hasPhoto: c.hasPhoto,
  status: c.status,
  createdBy: c.createdByName,
  createdAt: c.createdAt.toISOString(),
  reviewedBy: c.reviewedByName ?? null,
  reviewedAt: c.reviewedAt?.toISOString() ?? null,
  reviewNote: c.reviewNote ?? null,
  broadcastIds: c.broadcastIds ?? [],
});

/** Staff of a town or village write a case about their area; it waits for the town's review. */
export async function createCase(app: AppContext, caller: Caller, input: CaseInput) {
  const area = await getArea(app, input.areaCode ?? caller.staff.areaCode);
  if (!area) throw validationError('areaCode', '地区不存在');
  assertInScope(caller.staff, area.path);
  let photo: TypicalCaseDoc['photo'];
  if (input.photo) {
    const bytes = Buffer.from(input.photo, 'base64');
    const contentType = sniffImage(bytes);
    if (!contentType) throw validationError('photo', '照片只能是 JPG 或 PNG 图片');
    if (bytes.length > MAX_PHOTO_BYTES) throw validationError('photo', '照片不能超过 1MB');
    const sealed = sealBytes(app.config, bytes);
    photo = { keyId: sealed.keyId, sealed: sealed.data.toString('base64'), contentType, bytes: bytes.length };
  }
  const doc = await TypicalCases(app.db).create({
    title: input.title,
    text: input.text,
    areaCode: area.code,
    areaPath: area.path,
    ...(input.talkId ? { talkId: new Types.ObjectId(input.talkId) } : {}),
    ...(input.familyResidentId ? { familyResidentId: new Types.ObjectId(input.familyResidentId) } : {}),
    ...(photo ? { photo } : {}),
    hasPhoto: Boolean(photo),
    status: 'pending',
    createdBy: caller.staff.id,
    createdByName: caller.staff.displayName ?? caller.staff.username,
    createdAt: app.clock.now(),
    broadcastIds: [],
  });
  await caller.audit('report.case.create', { type: 'typical-case', id: String(doc._id) }, { areaCode: area.code, photo: Boolean(photo) });
  return caseView(doc.toObject(), area.name);
}

async function caseInScope(app: AppContext, staff: StaffPrincipal, id: string): Promise<TypicalCaseDoc> {
  const c = Types.ObjectId.isValid(id) ? await TypicalCases(app.db).findById(id).lean() : null;
  if (!c || !inScope(staff, c.areaPath)) throw notFound('典型案例');
  return c;
}

export async function listCases(app: AppContext, staff: StaffPrincipal, q: { status?: CaseStatus; limit: number }) {
  const rows = await TypicalCases(app.db)
    .find({ areaPath: staff.areaCode, ...(q.status ? { status: q.status } : {}) }, { photo: 0 })
    .sort({ createdAt: -1, _id: -1 })
    .limit(q.limit)
    .lean();
  return { items: rows.map((c) => caseView(c)) };
}

/**
 * The town reviews: a town admin over the case's town, or a district admin; never the author. Only a
 * pending case can be decided, and the decision is written only if it is still pending.
 */
export async function reviewCase(app: AppContext, caller: Caller, id: string, input: { decision: 'approve' | 'reject'; note?: string }) {
  const c = await caseInScope(app, caller.staff, id);
  if (caller.staff.role === 'village_worker') throw forbidden('典型案例由镇街审核');
  if (c.createdBy === caller.staff.id) throw forbidden('不能审核自己写的案例');
  if (c.status !== 'pending') throw new AppError('CASE_DECIDED', 409, '这个案例已经审核过了');
  const status: CaseStatus = input.decision === 'approve' ? 'approved' : 'rejected';
  const set = {
    status,
    reviewedBy: caller.staff.id,
    reviewedByName: caller.staff.displayName ?? caller.staff.username,
    reviewedAt: app.clock.now(),
    ...(input.note ? { reviewNote: input.note } : {}),
  };
  const updated = await TypicalCases(app.db).findOneAndUpdate({ _id: c._id, status: 'pending' }, { $set: set }, { new: true }).lean();
  if (!updated) throw new AppError('CASE_DECIDED', 409, '这个案例已经审核过了');
  await caller.audit(`report.case.${status}`, { type: 'typical-case', id }, { author: c.createdBy, note: input.note ?? null });
  return caseView(updated);
}

export async function casePhoto(app: AppContext, caller: Caller, id: string): Promise<{ contentType: string; bytes: Buffer }> {
  const c = await caseInScope(app, caller.staff, id);
  if (!c.photo) throw notFound('照片');
  await caller.audit('report.case.photo_view', { type: 'typical-case', id });
  return { contentType: c.photo.contentType, bytes: openBytes(app.config, c.photo.keyId, Buffer.from(c.photo.sealed, 'base64')) };
}

/**
 * Broadcast an approved case to the groups of its area as a campaign broadcast, under the campaign rules:
 * an approver's goes out at once, a village worker's waits for the town's approval.
 */
export async function broadcastCase(app: AppContext, caller: Caller, id: string) {
  const c = await caseInScope(app, caller.staff, id);
  if (c.status !== 'approved') throw new AppError('CASE_NOT_APPROVED', 409, '审核通过的案例才能发到群里');
  const text = `【典型案例】${c.title}\n${c.text}`.slice(0, 1000);
  const campaign = await createBroadcast(app, caller, { title: `典型案例：${c.title}`.slice(0, 60), text, targets: { areaCodes: [c.areaCode] } });
  await TypicalCases(app.db).updateOne({ _id: c._id }, { $push: { broadcastIds: String(campaign._id) } });
  return { caseId: id, campaignId: String(campaign._id), status: campaign.status };
}

/** Approved cases of the year under an area, oldest first, for the report (text only). */
export async function approvedCases(app: AppContext, areaCode: string, from: Date, to: Date) {
  return TypicalCases(app.db)
    .find({ areaPath: areaCode, status: 'approved', createdAt: { $gte: from, $lt: to } }, { photo: 0 })
    .sort({ createdAt: 1, _id: 1 })
    .lean();
}
