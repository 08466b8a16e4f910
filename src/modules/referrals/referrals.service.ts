import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, notFound, validationError } from '../../http/errors';
import { shanghaiDay } from '../../lib/clock';
import { maskName, maskPhone } from '../../lib/pii';
import { canMove, isTerminal } from '../../lib/workflow';
import { enqueue } from '../../notify/outbox.service';
import { requireVillage } from '../areas/areas.service';
import { audit, type Actor } from '../audit/audit.service';
import { requireConsent } from '../residents/residents.service';
import { assertInScope, scopeFilter, type StaffPrincipal } from '../staff/staff.service';
import { listPhotos } from './referrals.photos';
import { type ReferralDoc, type ReferralPersonal, Referrals, type ReferralStatus, ReferralTransitions, type ReferralTransitionDoc } from './referrals.model';
import type { SubmitReferralBody, TransitionBody } from './referrals.schemas';
import { priorityHint, REFERRAL_EDGES, STATUS_LABELS } from './referrals.workflow';

const dupIndexOf = (app: AppContext, p: Pick<ReferralPersonal, 'childName' | 'childBirthDate' | 'guardianPhone'>) =>
  app.pii.blindIndex('referral-child', `${p.childName}|${p.childBirthDate}|${p.guardianPhone}`);

export const openPersonal = (app: AppContext, r: ReferralDoc): ReferralPersonal | null => (r.personalEnc ? (JSON.parse(app.pii.open(r.personalEnc)) as ReferralPersonal) : null);

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
  await ReferralTransitions(app.db).create({ referralId: id, seq: 0, from: null, to: 'submitted', actorType: 'resident', actorId: String(residentId), at: now });
  const doc = await Referrals(app.db).create({
    _id: id, residentId, villageCode: village.code, areaPath: village.path,
    personalEnc: app.pii.seal(JSON.stringify(personal)), dupIndex: dupIndexOf(app, personal),
    status: 'submitted', seq: 0, createdAt: now, updatedAt: now,
  });
  return residentView(app, doc.toObject());
}

async function history(app: AppContext, id: Types.ObjectId): Promise<ReferralTransitionDoc[]> {
  return ReferralTransitions(app.db).find({ referralId: id }).sort({ seq: 1 }).lean();
}

async function residentView(app: AppContext, r: ReferralDoc) {
  const p = openPersonal(app, r);
  const steps = await history(app, r._id);
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
  await applyTransition(app, r._id, 'withdrawn', { type: 'resident', id: String(residentId) }, { note });
  return residentView(app, await mine(app, residentId, id));
}

type Extra = Pick<TransitionBody, 'note' | 'referredTo' | 'surgeryDate' | 'reason'>;

/**
 * A change is the insert of transition `seq + 1`; the unique (referralId, seq) lets only one of two concurrent
 * changes in. The case document and the notice follow from the transition (see `settle`).
 */
async function applyTransition(app: AppContext, id: Types.ObjectId, to: ReferralStatus, actor: Actor, extra: Extra): Promise<ReferralDoc> {
  const r = await settle(app, id);
  if (!canMove(REFERRAL_EDGES, r.status, to)) {
    throw new AppError('INVALID_TRANSITION', 409, `当前状态“${STATUS_LABELS[r.status]}”不能改为“${STATUS_LABELS[to]}”`, { from: r.status, to });
  }
  try {
    await ReferralTransitions(app.db).create({
      referralId: id, seq: r.seq + 1, from: r.status, to, actorType: actor.type, actorId: actor.id, actorName: actor.name, at: app.clock.now(), ...extra,
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('CONCURRENT_CHANGE', 409, '状态刚被其他人更改，请刷新后再试');
    throw err;
  }
  return settle(app, id);
}

/** Bring the case up to its last inserted transition (also finishes one interrupted by a crash) and queue notices. */
async function settle(app: AppContext, id: Types.ObjectId): Promise<ReferralDoc> {
  let r = await Referrals(app.db).findById(id).lean();
  if (!r) throw notFound('转介记录');
  const pending = await ReferralTransitions(app.db).find({ referralId: id, seq: { $gt: r.seq } }).sort({ seq: 1 }).lean();
  for (const t of pending) {
    const set: Record<string, unknown> = { status: t.to, seq: t.seq, updatedAt: t.at };
    if (t.referredTo) set.referredTo = t.referredTo;
    if (t.surgeryDate) set.surgeryDate = t.surgeryDate;
    if (isTerminal(REFERRAL_EDGES, t.to)) set.closedAt = t.at;
    await Referrals(app.db).updateOne({ _id: id, seq: t.seq - 1 }, { $set: set });
    await enqueue(app, {
      key: `referral:${String(id)}:status:${t.seq}`,
      channel: 'subscribe',
      payload: { residentId: String(r.residentId), templateKey: 'referral_status', page: 'pages/cleft/index', data: { thing1: '唇腭裂救助', phrase2: STATUS_LABELS[t.to], time3: shanghaiDay(t.at) } },
      source: { referralId: String(id) },
      areaPath: r.areaPath,
    });
    r = { ...r, ...(set as Partial<ReferralDoc>) };
  }
  return r;
}

const REQUIRED_EXTRA: Partial<Record<ReferralStatus, [keyof Extra, string]>> = {
  referred: ['referredTo', '请填写转介的医院或项目'],
  surgery_scheduled: ['surgeryDate', '请填写手术日期'],
  not_eligible: ['reason', '请填写不符合条件的原因'],
};

export async function staffTransition(app: AppContext, actor: Actor, staff: StaffPrincipal, id: Types.ObjectId, body: TransitionBody) {
  const r = await inScope(app, staff, id);
  if (body.to === 'withdrawn') throw new AppError('GUARDIAN_ONLY', 403, '只有监护人本人可以撤回申请');
  const need = REQUIRED_EXTRA[body.to];
  if (need && !body[need[0]]) throw validationError(need[0], need[1]);
  const { to: _to, ...extra } = body;
  await applyTransition(app, r._id, body.to, actor, extra);
  return staffView(app, actor, staff, id, false);
}

async function inScope(app: AppContext, staff: StaffPrincipal, id: Types.ObjectId): Promise<ReferralDoc> {
  const r = await Referrals(app.db).findById(id).lean();
  if (!r) throw notFound('转介记录');
  assertInScope(staff, r.areaPath);
  return r;
}

export { inScope as requireInScope };

export async function staffList(app: AppContext, staff: StaffPrincipal, q: { status?: ReferralStatus; limit: number; cursor?: string }) {
  const filter: Record<string, unknown> = { ...scopeFilter(staff) };
  if (q.status) filter.status = q.status;
  if (q.cursor) filter._id = { $lt: new Types.ObjectId(q.cursor) };
  const rows = await Referrals(app.db).find(filter).sort({ _id: -1 }).limit(q.limit + 1).lean();
  const page = rows.slice(0, q.limit);
  const dups = await duplicateCounts(app, page);
  const today = shanghaiDay(app.clock.now());
  const items = page.map((r) => {
    const p = openPersonal(app, r);
    return {
      id: String(r._id),
      status: r.status,
      statusLabel: STATUS_LABELS[r.status],
      childNameMasked: p ? maskName(p.childName) : null,
      priority: p ? priorityHint(p.condition, p.childBirthDate, today) : null,
      villageCode: r.villageCode,
      possibleDuplicates: r.dupIndex ? (dups.get(r.dupIndex) ?? 1) - 1 : 0,
      createdAt: r.createdAt.toISOString(),
    };
  });
  return { items, nextCursor: rows.length > q.limit ? String(page[page.length - 1]!._id) : null };
}

async function duplicateCounts(app: AppContext, rows: ReferralDoc[]): Promise<Map<string, number>> {
  const keys = [...new Set(rows.flatMap((r) => (r.dupIndex ? [r.dupIndex] : [])))];
  const all = keys.length ? await Referrals(app.db).find({ dupIndex: { $in: keys } }, { dupIndex: 1 }).lean() : [];
  const counts = new Map<string, number>();
  for (const d of all) counts.set(d.dupIndex!, (counts.get(d.dupIndex!) ?? 0) + 1);
  return counts;
}

/** The full case for scoped staff; audited (`audited=false` only when a transition reply echoes the case). */
export async function staffView(app: AppContext, actor: Actor, staff: StaffPrincipal, id: Types.ObjectId, audited = true) {
  const r = await inScope(app, staff, id);
  const p = openPersonal(app, r);
  if (audited) await audit(app, actor, 'referral.view_full', { type: 'referral', id: String(id) });
  const others = r.dupIndex ? await Referrals(app.db).find({ dupIndex: r.dupIndex, _id: { $ne: r._id } }, { status: 1, createdAt: 1, villageCode: 1, areaPath: 1 }).lean() : [];
  // Cases elsewhere are only counted: their existence matters for the flag, their details are not this staff's.
  const duplicates = others.filter((d) => d.areaPath.includes(staff.areaCode));
  const steps = await history(app, r._id);
  return {
    id: String(r._id),
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    villageCode: r.villageCode,
    child: p ? { ...p, guardianPhoneMasked: maskPhone(p.guardianPhone) } : null,
    priority: p ? priorityHint(p.condition, p.childBirthDate, shanghaiDay(app.clock.now())) : null,
    referredTo: r.referredTo ?? null,
    surgeryDate: r.surgeryDate ?? null,
    duplicates: duplicates.map((d) => ({ id: String(d._id), status: d.status, villageCode: d.villageCode, createdAt: d.createdAt.toISOString() })),
    duplicatesOutsideArea: others.length - duplicates.length,
    photos: await listPhotos(app, r._id),
    personalErasedAt: r.personalErasedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    history: steps.map((s) => ({
      seq: s.seq, from: s.from, to: s.to, actorType: s.actorType, actorName: s.actorName ?? null, at: s.at.toISOString(),
      note: s.note ?? null, referredTo: s.referredTo ?? null, surgeryDate: s.surgeryDate ?? null, reason: s.reason ?? null,
    })),
  };
}
