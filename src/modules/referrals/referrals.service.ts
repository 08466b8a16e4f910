import { Types } from 'mongoose';
import type { Caller, StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { AppError, notFound, validationError } from '../../http/errors';
import { caseWorkflow } from '../../lib/case-workflow';
import { shanghaiDay } from '../../lib/shanghai';
import { maskName, maskPhone } from '../../lib/pii';
import { canMove } from '../../lib/workflow';
import { requireVillage } from '../areas';
import { requireConsent } from '../residents';
import { listPhotos, readPhoto } from './referrals.photos';
import { type ReferralDoc, type ReferralPersonal, Referrals, type ReferralStatus, ReferralTransitions, type ReferralTransitionDoc } from './referrals.model';
import type { SubmitReferralBody, TransitionBody } from './referrals.schemas';
import { priorityHint, REFERRAL_EDGES, STATUS_LABELS } from './referrals.workflow';

type Extra = Pick<TransitionBody, 'note' | 'referredTo' | 'surgeryDate' | 'reason'>;

const workflow = caseWorkflow<ReferralStatus, ReferralDoc, ReferralTransitionDoc, Extra>({
  noun: '转介记录',
  cases: Referrals,
  transitions: ReferralTransitions,
  caseField: 'referralId',
  edges: REFERRAL_EDGES,
  labels: STATUS_LABELS,
  required: {
    referred: ['referredTo', '请填写转介的医院或项目'],
    surgery_scheduled: ['surgeryDate', '请填写手术日期'],
    not_eligible: ['reason', '请填写不符合条件的原因'],
  },
  carry: ['referredTo', 'surgeryDate'],
  historyExtras: ['referredTo', 'surgeryDate', 'reason'],
  // The retention period of personal data counts from the day the case closed.
  stamp: (t, terminal) => (terminal ? { closedAt: t.at } : {}),
  notice: { key: 'referral', templateKey: 'referral_status', page: 'pages/cleft/index', programme: '唇腭裂救助' },
});

export const DUP_INDEX = 'referral-child';
export const dupSource = (p: Pick<ReferralPersonal, 'childName' | 'childBirthDate' | 'guardianPhone'>) =>
  `${p.childName}|${p.childBirthDate}|${p.guardianPhone}`;
const dupIndexOf = (app: AppContext, p: Pick<ReferralPersonal, 'childName' | 'childBirthDate' | 'guardianPhone'>) =>
  app.pii.blindIndex(DUP_INDEX, dupSource(p));

export const openPersonal = (app: AppContext, r: ReferralDoc): ReferralPersonal | null =>
  r.personalEnc ? (JSON.parse(app.pii.open(r.personalEnc)) as ReferralPersonal) : null;

function checkBirthDate(app: AppContext, birthDate: string): void {
  const d = new Date(`${birthDate}T00:00:00Z`);
  const valid = !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === birthDate;
  const today = shanghaiDay(app.clock.now());
  const fail = (message: string) => validationError('childBirthDate', message);
  if (!valid || birthDate > today) throw fail('出生日期不正确');
  if (Number(today.slice(0, 4)) - d.getUTCFullYear() > 18) throw fail('本项目救助 18 岁以下的孩子');
}

/** A guardian refers a child. Personal fields are sealed as one blob; a likely duplicate is flagged, not merged. */
export async function submitReferral(app: AppContext, residentId: Types.ObjectId, body: SubmitReferralBody) {
  await requireConsent(app, residentId, 'child-data');
  checkBirthDate(app, body.childBirthDate);
  const village = await requireVillage(app, body.villageCode);
  const { villageCode: _v, ...personal } = body;
  const now = app.clock.now();
  const id = new Types.ObjectId();
  await workflow.open(app, id, 'submitted', { type: 'resident', id: String(residentId) }, now);
  const doc = await Referrals(app.db).create({
    _id: id,
    residentId,
    villageCode: village.code,
    areaPath: village.path,
    personalEnc: app.pii.seal(JSON.stringify(personal)),
    dupIndex: dupIndexOf(app, personal),
    status: 'submitted',
    seq: 0,
    createdAt: now,
    updatedAt: now,
  });
  return residentView(app, doc.toObject());
}

async function residentView(app: AppContext, r: ReferralDoc) {
  const p = openPersonal(app, r);
  const steps = await workflow.history(app, r._id);
  return {
    id: String(r._id),
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    childNameMasked: p ? maskName(p.childName) : null,
    condition: p?.condition ?? null,
    villageCode: r.villageCode,
    referredTo: r.referredTo ?? null,
    surgeryDate: r.surgeryDate ?? null,
    canWithdraw: canMove(REFERRAL_EDGES, r.status, 'withdrawn'),
    personalErased: Boolean(r.personalErasedAt),
    createdAt: r.createdAt.toISOString(),
    history: steps.map((s) => ({ status: s.to, statusLabel: STATUS_LABELS[s.to], at: s.at.toISOString(), note: s.note ?? null })),
  };
}

export async function listMine(app: AppContext, residentId: Types.ObjectId) {
  const rows = await Referrals(app.db).find({ residentId }).sort({ _id: -1 }).limit(50).lean();
  return { items: await Promise.all(rows.map((r) => residentView(app, r))) };
}

/** Someone else's referral answers 404, the same as a missing one. */
async function mine(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId): Promise<ReferralDoc> {
  const r = await Referrals(app.db).findOne({ _id: id, residentId }).lean();
  if (!r) throw notFound('转介记录');
  return r;
}

export async function getMine(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId) {
  return residentView(app, await mine(app, residentId, id));
}

export { mine as requireMine };

export async function withdraw(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId, note?: string) {
  const r = await mine(app, residentId, id);
  await workflow.apply(app, r._id, 'withdrawn', { type: 'resident', id: String(residentId) }, { note });
  return residentView(app, await mine(app, residentId, id));
}

export async function staffTransition(app: AppContext, caller: Caller, id: Types.ObjectId, body: TransitionBody) {
  const r = await workflow.inScope(app, caller.staff, id);
  if (body.to === 'withdrawn') throw new AppError('GUARDIAN_ONLY', 403, '只有监护人本人可以撤回申请');
  const { to, ...extra } = body;
  workflow.checkRequired(to, extra);
  const moved = await workflow.apply(app, r._id, to, caller.actor, extra);
  return staffCaseView(app, moved, openPersonal(app, moved));
}

const requireInScope = (app: AppContext, staff: StaffPrincipal, id: Types.ObjectId): Promise<ReferralDoc> => workflow.inScope(app, staff, id);

/** A staff member views one photo of a referral in their area; every view is audited. */
export async function viewPhoto(app: AppContext, caller: Caller, id: Types.ObjectId, photoId: Types.ObjectId) {
  const r = await requireInScope(app, caller.staff, id);
  const photo = await readPhoto(app, r._id, photoId);
  await caller.audit('referral.photo_view', { type: 'referral', id: String(id) }, { photoId: String(photoId) });
  return photo;
}

export async function staffList(app: AppContext, staff: StaffPrincipal, q: { status?: ReferralStatus; villageCode?: string; limit: number; cursor?: string }) {
  const filter = { ...(q.status ? { status: q.status } : {}), ...(q.villageCode ? { villageCode: q.villageCode } : {}) };
  return workflow.staffPage(app, staff, filter, q, (page) => staffListItems(app, page));
}

async function staffListItems(app: AppContext, page: ReferralDoc[]) {
  const opened = page.map((r) => ({ r, p: openPersonal(app, r) }));
  const dups = await duplicateCounts(
    app,
    opened.map(({ r, p }) => dupIndexesOf(app, r, p)),
  );
  const today = shanghaiDay(app.clock.now());
  return opened.map(({ r, p }, i) => ({
    id: String(r._id),
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    childNameMasked: p ? maskName(p.childName) : null,
    priority: p ? priorityHint(p.condition, p.childBirthDate, today) : null,
    villageCode: r.villageCode,
    possibleDuplicates: dups[i]!,
    createdAt: r.createdAt.toISOString(),
  }));
}

/**
 * The indexes a case's duplicates may carry: its own, and while a key rotation is under way the same details
 * under the other blind-index key (cases not yet rebuilt carry the previous one). None once erased.
 */
function dupIndexesOf(app: AppContext, r: ReferralDoc, p: ReferralPersonal | null): string[] {
  if (!r.dupIndex) return [];
  return p ? app.pii.blindIndexes(DUP_INDEX, dupSource(p)) : [r.dupIndex];
}

/** For each case (given by its dupIndexesOf), how many other cases look like the same child. */
async function duplicateCounts(app: AppContext, indexes: string[][]): Promise<number[]> {
  const keys = [...new Set(indexes.flat())];
  const all = keys.length
    ? await Referrals(app.db)
        .find({ dupIndex: { $in: keys } }, { dupIndex: 1 })
        .lean()
    : [];
  const counts = new Map<string, number>();
  for (const d of all) counts.set(d.dupIndex!, (counts.get(d.dupIndex!) ?? 0) + 1);
  return indexes.map((ix) => (ix.length ? Math.max(0, ix.reduce((sum, k) => sum + (counts.get(k) ?? 0), 0) - 1) : 0));
}

/** The case as staff see it in lists and after a move: child and guardian masked, so nothing here needs an audit. */
async function staffCaseView(app: AppContext, r: ReferralDoc, p: ReferralPersonal | null) {
  return {
    id: String(r._id),
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    villageCode: r.villageCode,
    childNameMasked: p ? maskName(p.childName) : null,
    guardianPhoneMasked: p ? maskPhone(p.guardianPhone) : null,
    priority: p ? priorityHint(p.condition, p.childBirthDate, shanghaiDay(app.clock.now())) : null,
    referredTo: r.referredTo ?? null,
    surgeryDate: r.surgeryDate ?? null,
    allowedNext: REFERRAL_EDGES[r.status].filter((s) => s !== 'withdrawn'),
    personalErasedAt: r.personalErasedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    history: workflow.historyView(await workflow.history(app, r._id)),
  };
}

/**
 * The child's details field by field (never a spread of the opened record). Staff read the guardian's phone
 * masked; the guardian's own export shows it in full.
 */
export const childDetails = (p: ReferralPersonal, guardianPhone: 'full' | 'masked') => ({
  childName: p.childName,
  childSex: p.childSex,
  childBirthDate: p.childBirthDate,
  condition: p.condition,
  diagnosed: p.diagnosed,
  diagnosedWhere: p.diagnosedWhere ?? null,
  otherConditions: p.otherConditions ?? null,
  household: p.household,
  guardianRelation: p.guardianRelation,
  ...(guardianPhone === 'full' ? { guardianPhone: p.guardianPhone } : { guardianPhoneMasked: maskPhone(p.guardianPhone) }),
});

/** The full case for scoped staff; every call is audited. */
export async function staffView(app: AppContext, caller: Caller, id: Types.ObjectId) {
  const r = await workflow.inScope(app, caller.staff, id);
  const p = openPersonal(app, r);
  await caller.audit('referral.view_full', { type: 'referral', id: String(id) });
  const dupIndexes = dupIndexesOf(app, r, p);
  const others = dupIndexes.length
    ? await Referrals(app.db)
        .find({ dupIndex: { $in: dupIndexes }, _id: { $ne: r._id } }, { status: 1, createdAt: 1, villageCode: 1, areaPath: 1 })
        .lean()
    : [];
  // Cases elsewhere are only counted: their existence matters for the flag, their details are not this staff's.
  const duplicates = others.filter((d) => d.areaPath.includes(caller.staff.areaCode));
  const { childNameMasked: _n, guardianPhoneMasked: _g, ...view } = await staffCaseView(app, r, p);
  return {
    ...view,
    child: p ? childDetails(p, 'masked') : null,
    duplicates: duplicates.map((d) => ({ id: String(d._id), status: d.status, villageCode: d.villageCode, createdAt: d.createdAt.toISOString() })),
    duplicatesOutsideArea: others.length - duplicates.length,
    photos: await listPhotos(app, r._id),
  };
}
