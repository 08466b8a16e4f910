import { Types } from 'mongoose';
import { type Actor, type Caller, inScope, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { requestKind, requestStatus } from '../../dictionaries';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { caseWorkflow } from '../../lib/case-workflow';
import { sealedPhotos } from '../../lib/sealed-photos';
import { addWorkingDays, shanghaiDay } from '../../lib/shanghai';
import type { Edges } from '../../lib/workflow';
import { canMove } from '../../lib/workflow';
import { enqueue } from '../../notify/outbox.service';
import { requireVillage } from '../areas';
import { getResident } from '../residents';
import { activeAdmins } from '../staff';
import {
  RequestPhotos,
  Requests,
  RequestTransitions,
  type RequestDoc,
  type RequestKind,
  type RequestStatus,
  type RequestTransitionDoc,
} from './requests.model';

export const KIND_LABELS = requestKind.labels;
export const STATUS_LABELS = requestStatus.labels;

/**
 * submitted → in_progress → replied → closed (rated); the village may pass it to the town (escalated), and does
 * so by the clock when it has not answered in time; a resident not satisfied reopens a reply, with the rating.
 */
export const REQUEST_EDGES: Edges<RequestStatus> = {
  submitted: ['in_progress', 'escalated', 'replied'],
  in_progress: ['escalated', 'replied'],
  escalated: ['in_progress', 'replied'],
  replied: ['closed', 'reopened'],
  reopened: ['in_progress', 'escalated', 'replied'],
  closed: [],
};
const STAFF_MOVES: readonly RequestStatus[] = ['in_progress', 'escalated', 'replied'];

interface Extra {
  note?: string;
  reply?: string;
  replyEnc?: string;
  rating?: number;
}

const workflow = caseWorkflow<RequestStatus, RequestDoc, RequestTransitionDoc, Extra>({
  noun: '诉求',
  cases: Requests,
  transitions: RequestTransitions,
  caseField: 'requestId',
  edges: REQUEST_EDGES,
  labels: STATUS_LABELS,
  required: { replied: ['reply', '请填写答复内容'] },
  carry: ['rating'],
  stamp: (t, terminal) => ({
    ...(terminal ? { closedAt: t.at } : {}),
    ...(t.to === 'escalated' ? { level: 'town', escalatedAt: t.at, dueAt: null } : {}),
    ...(t.to === 'replied' ? { dueAt: null } : {}),
  }),
  // A reopened request goes back to whoever had it; the village has its working days again.
  afterApply: async (app, c, t) => {
    if (t.to !== 'reopened') return;
    const dueAt = c.level === 'village' ? addWorkingDays(t.at, app.config.REQUEST_ANSWER_WORKING_DAYS) : null;
    await Requests(app.db).updateOne({ _id: c._id }, { $set: { dueAt }, $inc: { reopenCount: 1 } });
  },
  notice: { key: 'request', templateKey: 'request_status', page: 'pages/requests/index', programme: '群众诉求' },
});

export const photos = sealedPhotos({ model: RequestPhotos, ownerField: 'requestId', bucket: 'requestPhotos', max: 3 });

const openText = (app: AppContext, sealed?: string) => (sealed ? app.pii.open(sealed) : null);

// ---- residents ----

export async function raise(app: AppContext, residentId: Types.ObjectId, input: { kind: RequestKind; text: string; villageCode?: string }) {
  const resident = await getResident(app, residentId);
  const code = input.villageCode ?? resident.villageCode;
  if (!code) throw validationError('villageCode', '请选择所在的村或社区');
  const village = await requireVillage(app, code);
  const now = app.clock.now();
  const id = new Types.ObjectId();
  await workflow.open(app, id, 'submitted', { type: 'resident', id: String(residentId) }, now);
  await Requests(app.db).create({
    _id: id,
    residentId,
    villageCode: village.code,
    areaPath: village.path,
    kind: input.kind,
    detailEnc: app.pii.seal(input.text),
    status: 'submitted',
    seq: 0,
    level: 'village',
    dueAt: addWorkingDays(now, app.config.REQUEST_ANSWER_WORKING_DAYS),
    reopenCount: 0,
    createdAt: now,
    updatedAt: now,
  });
  return residentView(app, (await Requests(app.db).findById(id).lean())!);
}

async function mine(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId): Promise<RequestDoc> {
  const r = await Requests(app.db).findOne({ _id: id, residentId }).lean();
  if (!r) throw notFound('诉求');
  return r;
}

/** Every step with its date, as the resident sees it: who (the village, the town, the resident), the reply, the rating. */
async function residentView(app: AppContext, r: RequestDoc) {
  const steps = await workflow.history(app, r._id);
  return {
    id: String(r._id),
    kind: r.kind,
    kindLabel: KIND_LABELS[r.kind],
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    text: openText(app, r.detailEnc),
    villageCode: r.villageCode,
    level: r.level,
    dueDay: r.dueAt ? shanghaiDay(r.dueAt) : null,
    photos: await RequestPhotos(app.db).countDocuments({ requestId: r._id }),
    canRate: r.status === 'replied',
    rating: r.rating ?? null,
    createdAt: r.createdAt.toISOString(),
    steps: steps.map((s) => ({
      status: s.to,
      statusLabel: STATUS_LABELS[s.to],
      at: s.at.toISOString(),
      by: s.actorType === 'resident' ? '本人' : s.actorType === 'system' ? '系统' : (s.actorName ?? '工作人员'),
      reply: openText(app, s.replyEnc),
      note: s.note ?? null,
      rating: s.rating ?? null,
    })),
    personalErased: Boolean(r.personalErasedAt),
  };
}

export async function listMine(app: AppContext, residentId: Types.ObjectId) {
  const rows = await Requests(app.db).find({ residentId }).sort({ _id: -1 }).limit(50).lean();
  return { items: await Promise.all(rows.map((r) => residentView(app, r))) };
}

export async function getMine(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId) {
  return residentView(app, await mine(app, residentId, id));
}

export async function addPhoto(app: AppContext, residentId: Types.ObjectId, id: Types.ObjectId, dataBase64: string) {
  const r = await mine(app, residentId, id);
  if (r.status === 'closed') throw new AppError('INVALID_STATUS', 409, '诉求已办结，不能再加照片');
  return photos.add(app, r._id, dataBase64);
}

/** Satisfied: closed with the rating. Not satisfied: reopened with the rating and why, back to whoever had it. */
export async function residentMove(
  app: AppContext,
  residentId: Types.ObjectId,
  id: Types.ObjectId,
  to: 'closed' | 'reopened',
  input: { rating: number; note?: string },
) {
  const r = await mine(app, residentId, id);
  if (r.status !== 'replied') throw new AppError('REQUEST_NOT_REPLIED', 409, '答复后才能评价');
  if (to === 'reopened' && !input.note) throw validationError('note', '请说一说哪里不满意');
  const actor: Actor = { type: 'resident', id: String(residentId) };
  await workflow.apply(app, r._id, to, actor, { rating: input.rating, note: input.note });
  return residentView(app, await mine(app, residentId, id));
}

// ---- staff ----

/** Staff of the request's area read it; a village worker acts while it is with the village, town and district admins always. */
async function reachable(app: AppContext, staff: StaffPrincipal, id: Types.ObjectId): Promise<RequestDoc> {
  const r = await Requests(app.db).findById(id).lean();
  if (!r || !inScope(staff, r.areaPath)) throw notFound('诉求');
  return r;
}

function staffListItem(r: RequestDoc, now: Date) {
  return {
    id: String(r._id),
    kind: r.kind,
    kindLabel: KIND_LABELS[r.kind],
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    villageCode: r.villageCode,
    level: r.level,
    dueAt: r.dueAt?.toISOString() ?? null,
    overdue: Boolean(r.dueAt && r.dueAt < now),
    escalated: Boolean(r.escalatedAt),
    rating: r.rating ?? null,
    reopenCount: r.reopenCount,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export async function staffList(
  app: AppContext,
  staff: StaffPrincipal,
  q: { status?: RequestStatus; kind?: RequestKind; villageCode?: string; limit: number; cursor?: string },
) {
  const filter = { ...(q.status ? { status: q.status } : {}), ...(q.kind ? { kind: q.kind } : {}), ...(q.villageCode ? { villageCode: q.villageCode } : {}) };
  const now = app.clock.now();
  return workflow.staffPage(app, staff, filter, q, (rows) => rows.map((r) => staffListItem(r, now)));
}

async function staffFull(app: AppContext, staff: StaffPrincipal, r: RequestDoc) {
  const steps = await workflow.history(app, r._id);
  const list = await RequestPhotos(app.db).find({ requestId: r._id }).sort({ slot: 1 }).lean();
  const canAct = staff.role !== 'village_worker' || r.level === 'village';
  return {
    ...staffListItem(r, app.clock.now()),
    text: openText(app, r.detailEnc),
    photos: list.map((p) => ({ id: String(p._id), contentType: p.contentType, size: p.size })),
    allowedNext: canAct ? REQUEST_EDGES[r.status].filter((s) => STAFF_MOVES.includes(s) && !(s === 'escalated' && r.level === 'town')) : [],
    history: workflow.historyView(steps).map((h, i) => ({ ...h, reply: openText(app, steps[i]!.replyEnc), rating: steps[i]!.rating ?? null })),
  };
}

/** The request in full (the resident's words, replies, photos); audited. */
export async function staffView(app: AppContext, caller: Caller, id: Types.ObjectId) {
  const r = await reachable(app, caller.staff, id);
  await caller.audit('request.view_full', { type: 'resident_request', id: String(id) });
  return staffFull(app, caller.staff, r);
}

export async function viewPhoto(app: AppContext, caller: Caller, id: Types.ObjectId, photoId: Types.ObjectId) {
  const r = await reachable(app, caller.staff, id);
  const photo = await photos.read(app, r._id, photoId);
  await caller.audit('request.photo_view', { type: 'resident_request', id: String(id) }, { photoId: String(photoId) });
  return photo;
}

/** Accept, pass to the town, or reply. A village worker no longer acts once the request is with the town. */
export async function staffMove(app: AppContext, caller: Caller, id: Types.ObjectId, body: { to: RequestStatus; note?: string; reply?: string }) {
  const r = await reachable(app, caller.staff, id);
  if (!STAFF_MOVES.includes(body.to)) throw forbidden('办结和重新办理由居民本人评价后决定');
  if (caller.staff.role === 'village_worker' && r.level === 'town') throw forbidden('诉求已转镇街处理');
  if (body.to === 'escalated' && r.level === 'town') throw new AppError('INVALID_TRANSITION', 409, '诉求已经在镇街处理');
  workflow.checkRequired(body.to, body);
  const extra: Extra = { note: body.note, ...(body.reply ? { replyEnc: app.pii.seal(body.reply) } : {}) };
  const moved = await workflow.apply(app, r._id, body.to, caller.actor, extra);
  await caller.audit('request.transition', { type: 'resident_request', id: String(id) }, { to: body.to });
  if (body.to === 'escalated') await tellTown(app, moved);
  return staffFull(app, caller.staff, moved);
}

/** The town admins of the request's town with a linked WeChat get a private bot message, once per request. */
async function tellTown(app: AppContext, r: RequestDoc): Promise<void> {
  const admins = (await activeAdmins(app, 'town_admin')).filter((a) => a.wechatId && r.areaPath.includes(a.areaCode));
  const now = app.clock.now();
  for (const a of admins) {
    await enqueue(app, {
      key: `request:${String(r._id)}:escalated:${a.id}`,
      channel: 'room',
      payload: {
        contactId: a.wechatId!,
        text: `您好，一件“${KIND_LABELS[r.kind]}”诉求已转到镇街处理，请在工作台“群众诉求”中查看并答复。`,
        expiresAt: new Date(now.getTime() + 24 * 3600_000).toISOString(),
      },
      source: { requestId: String(r._id) },
      areaPath: r.areaPath,
    });
  }
}

/** Every quarter hour: a request the village has not answered in its working days goes to the town. */
export async function escalateOverdue(app: AppContext): Promise<{ escalated: number }> {
  const now = app.clock.now();
  const due = await Requests(app.db)
    .find({ level: 'village', status: { $in: ['submitted', 'in_progress', 'reopened'] }, dueAt: { $lt: now } }, { _id: 1 })
    .limit(500)
    .lean();
  const system: Actor = { type: 'system', id: 'requests.escalate', name: '系统' };
  let escalated = 0;
  for (const { _id } of due) {
    const r = await workflow.settle(app, _id);
    if (!canMove(REQUEST_EDGES, r.status, 'escalated') || r.level !== 'village') continue;
    try {
      const moved = await workflow.apply(app, _id, 'escalated', system, {
        note: `村居 ${app.config.REQUEST_ANSWER_WORKING_DAYS} 个工作日内未答复，已自动转镇街处理`,
      });
      await tellTown(app, moved);
      escalated++;
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 409) throw err;
    }
  }
  return { escalated };
}

// ---- resident data ----

export async function exportRequests(app: AppContext, residentId: Types.ObjectId) {
  return (await listMine(app, residentId)).items;
}

/** The resident's words, the replies and notes about them, and the photos go; kind, steps, dates and ratings stay. */
export async function eraseRequests(app: AppContext, residentId: Types.ObjectId): Promise<void> {
  const rows = await Requests(app.db).find({ residentId }, { _id: 1 }).lean();
  const now = app.clock.now();
  for (const r of rows) {
    await photos.remove(app, r._id);
    await RequestTransitions(app.db).updateMany({ requestId: r._id }, { $unset: { replyEnc: 1, note: 1 } });
    await Requests(app.db).updateOne({ _id: r._id }, { $unset: { detailEnc: 1 }, $set: { personalErasedAt: now } });
  }
}
