import type { Caller, StaffPrincipal } from '../../access';
import { ID_INDEX } from './insurance.keys';
import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { claimKey, collectionOf, releaseOrphan } from '../../db/coordination';
import { AppError, notFound, validationError } from '../../http/errors';
import { caseWorkflow } from '../../lib/case-workflow';
import { shanghaiDay } from '../../lib/shanghai';
import { maskIdCard, maskName, maskPhone } from '../../lib/pii';
import { fillSexAndBirthYear, requireConsent } from '../residents';
import {
  type EnrolmentDoc,
  EnrolmentKeys,
  Enrolments,
  type EnrolmentStatus,
  EnrolmentTransitions,
  type EnrolmentTransitionDoc,
  type ProductDoc,
  Products,
} from './insurance.model';
import { requireProduct } from './insurance.products';
import type { EnrolBody, TransitionBody } from './insurance.schemas';
import { ENROLMENT_EDGES, ENROLMENT_LABELS, RESIDENT_CANCELLABLE, validateInsured } from './insurance.validation';

type Extra = Pick<TransitionBody, 'note' | 'payment' | 'policyNo' | 'reason'>;

const workflow = caseWorkflow<EnrolmentStatus, EnrolmentDoc, EnrolmentTransitionDoc, Extra>({
  noun: '投保记录',
  cases: Enrolments,
  transitions: EnrolmentTransitions,
  caseField: 'enrolmentId',
  edges: ENROLMENT_EDGES,
  labels: ENROLMENT_LABELS,
  required: {
    paid: ['payment', '请填写缴费方式、日期和金额'],
    issued: ['policyNo', '请填写保单号'],
    rejected: ['reason', '请填写未通过的原因'],
  },
  carry: ['payment', 'policyNo', 'reason'],
  // Rejected or cancelled: the people are free to enrol again.
  afterApply: async (app, e, _t, terminal) => {
    if (terminal) await EnrolmentKeys(app.db).deleteMany({ enrolmentId: e._id });
  },
  notice: { key: 'insurance', templateKey: 'insurance_status', page: 'pages/insurance/index', programme: '家庭意外伤害保险' },
});

// ---- enrolment ----

/**
 * Validate everyone, then take one key per insured person (unique (productId, idIndex)). A duplicate key means
 * that person already has an active enrolment: give back the keys taken so far and say who, masked.
 */
export async function enrol(app: AppContext, residentId: Types.ObjectId, body: EnrolBody) {
  const resident = await requireConsent(app, residentId, 'insurance');
  if (!resident.villageCode) throw new AppError('PROFILE_INCOMPLETE', 400, '请先在“我的”里选择所在村居');
  const applicantPhone = body.applicantPhone ?? (resident.phoneEnc ? app.pii.open(resident.phoneEnc) : null);
  if (!applicantPhone) throw validationError('applicantPhone', '请填写 11 位手机号码');
  const p = await requireProduct(app, new Types.ObjectId(body.productId));
  const today = shanghaiDay(app.clock.now());
  if (today < p.enrolFrom || today > p.enrolTo) throw new AppError('ENROLMENT_CLOSED', 409, `投保时间为 ${p.enrolFrom} 至 ${p.enrolTo}`);
  const errors = validateInsured(p, body.insured, app.clock.now());
  if (errors.length) throw new AppError('VALIDATION_FAILED', 400, errors[0]!.message, errors);

  const id = new Types.ObjectId();
  const people = body.insured.map((x) => {
    const idCard = x.idCard.trim().toUpperCase();
    const premiumFen = p.plans.find((plan) => plan.code === x.planCode)!.premiumFen;
    return {
      nameEnc: app.pii.seal(x.name),
      idCardEnc: app.pii.seal(idCard),
      idIndex: app.pii.blindIndex(ID_INDEX, idCard),
      relation: x.relation,
      planCode: x.planCode,
      premiumFen,
    };
  });
  const ids = body.insured.map((x) => x.idCard.trim().toUpperCase());
  await takeKeys(
    app,
    p._id,
    id,
    residentId,
    people.map((x, i) => ({ idIndex: x.idIndex, old: app.pii.oldBlindIndex(ID_INDEX, ids[i]!) })),
  );
  const now = app.clock.now();
  await workflow.open(app, id, 'submitted', { type: 'resident', id: String(residentId) }, now);
  const doc = await Enrolments(app.db).create({
    _id: id,
    productId: p._id,
    residentId,
    villageCode: resident.villageCode,
    areaPath: resident.areaPath,
    applicantPhoneEnc: app.pii.seal(applicantPhone),
    insured: people,
    totalFen: people.reduce((s, x) => s + x.premiumFen, 0),
    status: 'submitted',
    seq: 0,
    createdAt: now,
    updatedAt: now,
  });
  const self = body.insured.find((x) => x.relation === '本人');
  if (self && (!resident.sex || !resident.birthYear)) await fillSexAndBirthYear(app, residentId, self.idCard.trim());
  return residentView(app, doc.toObject(), p);
}

/** A key whose enrolment was never written (the process stopped in between) is released after this long. */
const ORPHAN_KEY_MS = 10 * 60_000;

/** A person's key under the current blind-index key, and during a rotation the one under the previous key. */
interface PersonKey {
  idIndex: string;
  old: string | null;
}

async function takeKeys(app: AppContext, productId: Types.ObjectId, enrolmentId: Types.ObjectId, residentId: Types.ObjectId, keys: PersonKey[]): Promise<void> {
  const taken: Types.ObjectId[] = [];
  for (const [i, k] of keys.entries()) {
    try {
      taken.push(await takeKey(app, productId, k, enrolmentId));
    } catch (err) {
      await EnrolmentKeys(app.db).deleteMany({ _id: { $in: taken } });
      if (!isDuplicateKey(err)) throw err;
      throw await conflictError(app, productId, (err as { heldBy?: string }).heldBy ?? k.idIndex, i, residentId);
    }
  }
}

/**
 * Insert the key. While blind indexes are rebuilt, the person's key may still be held under the previous index:
 * the rebuild writes the new index before it drops the old one, and this checks the old one only after its own
 * insert, so of the two one always sees the other.
 */
async function takeKey(app: AppContext, productId: Types.ObjectId, k: PersonKey, enrolmentId: Types.ObjectId): Promise<Types.ObjectId> {
  const insert = async () => (await EnrolmentKeys(app.db).create({ productId, idIndex: k.idIndex, enrolmentId, createdAt: app.clock.now() }))._id;
  const id = await claimKey(insert, () => releaseOrphaned(app, productId, k.idIndex));
  if (k.old && (await EnrolmentKeys(app.db).exists({ productId, idIndex: k.old })) && !(await releaseOrphaned(app, productId, k.old))) {
    await EnrolmentKeys(app.db).deleteOne({ _id: id });
    throw Object.assign(new Error('key held under the previous blind index'), { code: 11000, heldBy: k.old });
  }
  return id;
}

/** The person's key, released when its enrolment is missing (`releaseOrphan`). */
async function releaseOrphaned(app: AppContext, productId: Types.ObjectId, idIndex: string): Promise<boolean> {
  const key = await EnrolmentKeys(app.db).findOne({ productId, idIndex }).lean();
  return releaseOrphan(collectionOf(EnrolmentKeys(app.db)), key, {
    work: 'enrolmentId',
    ageMs: app.clock.now().getTime() - (key?.createdAt.getTime() ?? 0),
    afterMs: ORPHAN_KEY_MS,
    done: async () => !!(await Enrolments(app.db).exists({ _id: key!.enrolmentId })),
  });
}

async function conflictError(app: AppContext, productId: Types.ObjectId, idIndex: string, i: number, residentId: Types.ObjectId): Promise<AppError> {
  const key = await EnrolmentKeys(app.db).findOne({ productId, idIndex }).lean();
  const other = key ? await Enrolments(app.db).findById(key.enrolmentId).lean() : null;
  const person = other?.insured.find((x) => x.idIndex === idIndex);
  const detail = {
    path: `insured.${i}.idCard`,
    message: '此人已参保本产品，不能重复投保',
    name: person?.nameEnc ? maskName(app.pii.open(person.nameEnc)) : null,
    idCard: person?.idCardEnc ? maskIdCard(app.pii.open(person.idCardEnc)) : null,
    status: other?.status ?? null,
    byYou: other ? other.residentId.equals(residentId) : false,
  };
  return new AppError('ALREADY_ENROLLED', 409, `${detail.name ?? '此人'}已参保本产品，不能重复投保`, [detail]);
}

function residentView(app: AppContext, e: EnrolmentDoc, p: ProductDoc | null) {
  return {
    id: String(e._id),
    productId: String(e.productId),
    productName: p?.name ?? null,
    status: e.status,
    statusLabel: ENROLMENT_LABELS[e.status],
    insured: e.insured.map((x) => ({
      nameMasked: x.nameEnc ? maskName(app.pii.open(x.nameEnc)) : null,
      idCardMasked: x.idCardEnc ? maskIdCard(app.pii.open(x.idCardEnc)) : null,
      relation: x.relation,
      planCode: x.planCode,
      premiumFen: x.premiumFen,
    })),
    totalFen: e.totalFen,
    applicantPhoneMasked: e.applicantPhoneEnc ? maskPhone(app.pii.open(e.applicantPhoneEnc)) : null,
    policyNo: e.policyNo ?? null,
    reason: e.reason ?? null,
    canCancel: RESIDENT_CANCELLABLE.includes(e.status),
    createdAt: e.createdAt.toISOString(),
  };
}

export async function listMine(app: AppContext, residentId: Types.ObjectId) {
  const rows = await Enrolments(app.db).find({ residentId }).sort({ _id: -1 }).limit(50).lean();
  const products = new Map(
    (
      await Products(app.db)
        .find({ _id: { $in: rows.map((r) => r.productId) } })
        .lean()
    ).map((p) => [String(p._id), p]),
  );
  return { items: rows.map((e) => residentView(app, e, products.get(String(e.productId)) ?? null)) };
}

async function mine(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId): Promise<EnrolmentDoc> {
  const e = await Enrolments(app.db).findOne({ _id: id, residentId }).lean();
  if (!e) throw notFound('投保记录');
  return e;
}

export async function getMine(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId) {
  const e = await mine(app, residentId, id);
  return residentView(app, e, await Products(app.db).findById(e.productId).lean());
}

export async function cancelMine(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId, note?: string) {
  const e = await mine(app, residentId, id);
  if (!RESIDENT_CANCELLABLE.includes(e.status)) throw new AppError('CANNOT_CANCEL', 409, '已缴费的投保请联系村里的工作人员办理');
  await workflow.apply(app, e._id, 'cancelled', { type: 'resident', id: String(residentId) }, { note });
  return getMine(app, residentId, id);
}

export async function staffTransition(app: AppContext, caller: Caller, id: Types.ObjectId, body: TransitionBody) {
  await workflow.inScope(app, caller.staff, id);
  const { to, ...extra } = body;
  workflow.checkRequired(to, extra);
  return staffCaseView(app, await workflow.apply(app, id, to, caller.actor, extra));
}

/** A staff move for batch work (verify many, import policy numbers): the same checks as one move. */
export const moveAsStaff = (app: AppContext, caller: Caller) => async (id: Types.ObjectId, to: EnrolmentStatus, extra: Extra) => {
  workflow.checkRequired(to, extra);
  return workflow.apply(app, id, to, caller.actor, extra);
};

export async function staffList(
  app: AppContext,
  staff: StaffPrincipal,
  q: { productId?: string; status?: EnrolmentStatus; villageCode?: string; limit: number; cursor?: string },
) {
  const filter: Record<string, unknown> = {};
  if (q.productId) filter.productId = new Types.ObjectId(q.productId);
  if (q.status) filter.status = q.status;
  if (q.villageCode) filter.villageCode = q.villageCode;
  return workflow.staffPage(app, staff, filter, q, (page) => page.map((e) => ({ ...residentView(app, e, null), villageCode: e.villageCode })));
}

/** The enrolment as staff see it after a move: names, ID numbers and phone masked, so nothing here needs an audit. */
async function staffCaseView(app: AppContext, e: EnrolmentDoc) {
  return {
    ...residentView(app, e, await Products(app.db).findById(e.productId).lean()),
    villageCode: e.villageCode,
    allowedNext: [...ENROLMENT_EDGES[e.status]],
    payment: e.payment ?? null,
    history: workflow.historyView(await workflow.history(app, e._id)),
  };
}

/** Full names, ID numbers and phone for scoped staff; every call is audited. */
export async function staffView(app: AppContext, caller: Caller, id: Types.ObjectId) {
  const e = await workflow.inScope(app, caller.staff, id);
  await caller.audit('insurance.enrolment_view_full', { type: 'insurance_enrolment', id: String(id) });
  return {
    ...(await staffCaseView(app, e)),
    applicantPhone: e.applicantPhoneEnc ? app.pii.open(e.applicantPhoneEnc) : null,
    insuredFull: e.insured.map((x) => ({
      name: x.nameEnc ? app.pii.open(x.nameEnc) : null,
      idCard: x.idCardEnc ? app.pii.open(x.idCardEnc) : null,
      relation: x.relation,
      planCode: x.planCode,
    })),
  };
}
