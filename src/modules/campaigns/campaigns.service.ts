import { Types } from 'mongoose';
import { type Caller, inScope, scopeFilter, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { copyTitle, datesAhead } from '../../lib/copy-dates';
import { parseDailyWindow, shanghaiDay } from '../../lib/shanghai';
import { findPage, type PageQuery } from '../../lib/pagination';
import { quietUntil } from '../../notify/governor';
import { cancelPending, enqueueMany } from '../../notify/outbox.service';
import { isValidCron } from '../../lib/cron';
import { getArea } from '../areas';
import { Campaigns, Occurrences, type CampaignDoc, type CampaignStatus, type Card, type Schedule } from './campaigns.model';
import { BotRooms } from './rooms.model';
import { activeRoomsFor, areaLabel } from './rooms.service';
import { tipForDay, tipMessage } from './tips';

export interface CampaignInput {
  title: string;
  text: string;
  card?: Card;
  linkText?: string;
  targets: { all?: boolean; areaCodes?: string[]; roomIds?: string[] };
  schedule: { kind: 'now' } | { kind: 'once'; at: string } | { kind: 'cron'; cron: string };
  quietHours?: string;
  endAt?: string;
}

const nameOf = (staff: StaffPrincipal): string => staff.displayName || staff.username;
const windowText = (w: { startMin: number; endMin: number }): string => {
  const hhmm = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${hhmm(w.startMin)}-${hhmm(w.endMin)}`;
};
export { windowText };

/** Refused when the targets reach no bound group: nothing could be delivered, so nothing is queued. */
const noGroups = (): AppError =>
  validationError('targets', '所选范围内还没有绑定的微信群，消息发不出去。请先在“群与机器人”里为村居绑定微信群，或改选已绑定群的地区。', {
    code: 'NO_GROUPS',
    status: 422,
  });

function parseWindow(spec: string): { startMin: number; endMin: number } {
  const w = parseDailyWindow(spec);
  if (!w) throw validationError('quietHours', '免打扰时段格式应为 21:00-07:30', { code: 'INVALID_QUIET_HOURS' });
  return w;
}

export const campaignView = (c: CampaignDoc) => ({
  id: String(c._id),
  kind: c.kind,
  title: c.title,
  text: c.text,
  card: c.card ?? null,
  linkText: c.linkText ?? null,
  targets: c.targets,
  schedule: c.schedule.kind === 'once' ? { kind: 'once' as const, at: c.schedule.at.toISOString() } : c.schedule,
  status: c.status,
  areaCode: c.areaCode,
  createdBy: c.createdBy,
  createdByName: c.createdByName ?? null,
  approvedBy: c.approvedBy ?? null,
  approvedByName: c.approvedByName ?? null,
  reviewNote: c.reviewNote || null,
  quietHours: c.quietHours ? windowText(c.quietHours) : null,
  endAt: c.endAt?.toISOString() ?? null,
  createdAt: c.createdAt.toISOString(),
});

async function assertTargetsInScope(app: AppContext, staff: StaffPrincipal, t: { areaCodes: string[]; roomIds: string[] }): Promise<void> {
  for (const code of t.areaCodes) {
    const area = await getArea(app, code);
    if (!area) throw validationError('targets.areaCodes', `地区编码 ${code} 不存在`, { code: 'INVALID_AREA' });
    if (!inScope(staff, area.path)) throw forbidden('目标地区不在您的管辖范围内');
  }
  const ids = t.roomIds.map((id) => (Types.ObjectId.isValid(id) ? new Types.ObjectId(id) : null));
  if (ids.some((id) => !id)) throw validationError('targets.roomIds', '群编号不正确', { code: 'INVALID_ROOM' });
  const rooms = await BotRooms(app.db)
    .find({ _id: { $in: ids } })
    .lean();
  if (rooms.length !== ids.length) throw validationError('targets.roomIds', '有的群不存在', { code: 'INVALID_ROOM' });
  if (rooms.some((r) => !inScope(staff, r.areaPath))) throw forbidden('目标群不在您的管辖范围内');
}

type Targets = CampaignDoc['targets'];
const targetsOf = (t: CampaignInput['targets']): Targets => ({ all: t.all ?? false, areaCodes: t.areaCodes ?? [], roomIds: t.roomIds ?? [] });

async function checkedTargets(app: AppContext, staff: StaffPrincipal, input: CampaignInput['targets']): Promise<Targets> {
  const targets = targetsOf(input);
  if (!targets.all && !targets.areaCodes.length && !targets.roomIds.length) throw validationError('targets', '请选择发送的群或地区', { code: 'NO_TARGETS' });
  await assertTargetsInScope(app, staff, targets);
  return targets;
}

function scheduleOf(app: AppContext, s: CampaignInput['schedule']): Schedule {
  if (s.kind === 'cron') {
    if (!isValidCron(s.cron)) throw validationError('schedule.cron', '定时规则不正确', { code: 'INVALID_CRON' });
    return { kind: 'cron', cron: s.cron };
  }
  if (s.kind === 'once') {
    const at = new Date(s.at);
    // A minute's slack for the time it takes to press the button.
    if (at.getTime() < app.clock.now().getTime() - 60_000) throw validationError('schedule.at', '发送时间已经过去，请选择以后的时间', { code: 'PAST_TIME' });
    return { kind: 'once', at };
  }
  return { kind: 'now' };
}

async function reachWithin(app: AppContext, scopeArea: string, targets: Targets, limit: number) {
  const rooms = await activeRoomsFor(app, scopeArea, targets);
  const areas = [];
  for (const code of targets.areaCodes) {
    const area = await getArea(app, code);
    areas.push({ code, name: area ? await areaLabel(app, area) : code });
  }
  return {
    groups: rooms.length,
    areas,
    rooms: rooms.slice(0, limit).map((r) => ({ id: String(r._id), topic: r.topic, areaCode: r.areaCode, areaName: r.areaName })),
  };
}

/**
 * The active bound groups the targets reach, counted within the author's scope (at most `limit` listed): what
 * the compose screen shows before anything is saved, and what submit and approval require to be non-zero.
 */
export async function reachOf(app: AppContext, staff: StaffPrincipal, input: CampaignInput['targets'], limit = 200) {
  const targets = targetsOf(input);
  await assertTargetsInScope(app, staff, targets);
  return reachWithin(app, staff.areaCode, targets, limit);
}

/** The groups a saved campaign reaches now (within its author's scope), for its reviewer and its author. */
export async function campaignReach(app: AppContext, staff: StaffPrincipal, id: string, limit = 200) {
  const c = await getCampaign(app, staff, id);
  return reachWithin(app, c.areaCode, c.targets, limit);
}

async function assertReachesGroups(app: AppContext, c: Pick<CampaignDoc, 'areaCode' | 'targets'>): Promise<void> {
  if (!(await activeRoomsFor(app, c.areaCode, c.targets)).length) throw noGroups();
}

export async function createCampaign(app: AppContext, caller: Caller, input: CampaignInput, kind: CampaignDoc['kind'] = 'campaign'): Promise<CampaignDoc> {
  const targets = await checkedTargets(app, caller.staff, input.targets);
  const schedule = scheduleOf(app, input.schedule);
  // A broadcast is submitted as it is created: refuse it before anything is stored.
  if (kind === 'broadcast') await assertReachesGroups(app, { areaCode: caller.staff.areaCode, targets });
  const now = app.clock.now();
  const doc = await Campaigns(app.db).create({
    kind,
    title: input.title,
    text: input.text,
    card: input.card,
    linkText: input.linkText,
    targets,
    schedule,
    quietHours: input.quietHours ? parseWindow(input.quietHours) : undefined,
    endAt: input.endAt ? new Date(input.endAt) : undefined,
    status: 'draft',
    areaCode: caller.staff.areaCode,
    areaPath: caller.staff.areaPath,
    createdBy: caller.staff.id,
    createdByName: nameOf(caller.staff),
    createdAt: now,
    updatedAt: now,
  });
  await caller.audit('campaign.create', { type: 'campaign', id: String(doc._id) }, { kind, title: input.title });
  return doc.toObject();
}

/**
 * Copy a campaign or a broadcast in scope into a new draft of the caller's: texts, card, targets (within the
 * caller's scope), and for a campaign its schedule and quiet hours; no deliveries, review or approval. A one-off
 * time already past moves on by whole days; an end already past is left out. A broadcast's copy is a broadcast
 * again: it goes out at once when it is approved, after its author submitted it.
 */
export async function copyCampaign(app: AppContext, caller: Caller, id: string): Promise<CampaignDoc> {
  const c = await getCampaign(app, caller.staff, id);
  if (c.kind === 'daily_tips') throw new AppError('INVALID_STATUS', 409, '每日健康提示不能复制，请新建群消息');
  const targets = await checkedTargets(app, caller.staff, c.targets);
  const now = app.clock.now();
  const schedule: Schedule =
    c.schedule.kind === 'once' ? { kind: 'once', at: datesAhead(new Date(c.schedule.at), new Date(c.schedule.at), now).startAt } : c.schedule;
  const endAt = c.endAt && c.endAt > now ? c.endAt : undefined;
  const doc = await Campaigns(app.db).create({
    kind: c.kind,
    title: copyTitle(c.title, 60),
    text: c.text,
    card: c.card,
    linkText: c.linkText,
    targets,
    schedule,
    quietHours: c.quietHours,
    endAt,
    status: 'draft',
    areaCode: caller.staff.areaCode,
    areaPath: caller.staff.areaPath,
    createdBy: caller.staff.id,
    createdByName: nameOf(caller.staff),
    createdAt: now,
    updatedAt: now,
  });
  await caller.audit('campaign.copy', { type: 'campaign', id: String(doc._id) }, { from: id, title: doc.title });
  return doc.toObject();
}

/**
 * Rewrite a draft (its author only): after a reviewer sent it back, or before submitting it. A campaign's draft
 * takes a campaign's fields; a broadcast's (a copy, or one sent back) its texts and targets only: it still goes
 * out at once when approved.
 */
export async function updateDraft(
  app: AppContext,
  caller: Caller,
  id: string,
  input: CampaignInput | (Omit<CampaignInput, 'schedule'> & { schedule?: undefined }),
): Promise<CampaignDoc> {
  const c = await getCampaign(app, caller.staff, id);
  if (c.createdBy !== caller.staff.id) throw forbidden('只有创建人可以修改草稿');
  const kind = input.schedule ? 'campaign' : 'broadcast';
  if (c.status !== 'draft' || c.kind !== kind) throw new AppError('INVALID_STATUS', 409, '只有草稿可以修改');
  const targets = await checkedTargets(app, caller.staff, input.targets);
  const set = {
    title: input.title,
    text: input.text,
    card: input.card,
    linkText: input.linkText,
    targets,
    schedule: input.schedule ? scheduleOf(app, input.schedule) : c.schedule,
    quietHours: input.quietHours ? parseWindow(input.quietHours) : undefined,
    endAt: input.endAt ? new Date(input.endAt) : undefined,
    updatedAt: app.clock.now(),
  };
  const unset = Object.fromEntries(
    Object.entries(set)
      .filter(([, v]) => v === undefined)
      .map(([k]) => [k, 1]),
  );
  const r = await Campaigns(app.db).updateOne(
    { _id: c._id, status: 'draft' },
    { $set: Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)), ...(Object.keys(unset).length ? { $unset: unset } : {}) },
  );
  if (!r.modifiedCount) throw new AppError('CONFLICT', 409, '活动刚被其他人修改，请刷新后再试');
  await caller.audit('campaign.update', { type: 'campaign', id }, { title: input.title });
  return (await Campaigns(app.db).findById(c._id).lean())!;
}

export async function getCampaign(app: AppContext, staff: StaffPrincipal, id: string): Promise<CampaignDoc> {
  const c = Types.ObjectId.isValid(id) ? await Campaigns(app.db).findById(id).lean() : null;
  if (!c || !inScope(staff, c.areaPath)) throw notFound('活动');
  return c;
}

export async function listCampaigns(
  app: AppContext,
  staff: StaffPrincipal,
  q: PageQuery & { status?: CampaignStatus; kind?: CampaignDoc['kind']; mine?: boolean },
) {
  const filter: Record<string, unknown> = {
    ...scopeFilter(staff),
    ...(q.status ? { status: q.status } : {}),
    ...(q.kind ? { kind: q.kind } : {}),
    ...(q.mine ? { createdBy: staff.id } : {}),
  };
  return findPage(Campaigns(app.db), filter, q, (rows) => rows.map(campaignView));
}

const canApprove = (staff: StaffPrincipal, c: CampaignDoc): boolean =>
  staff.role === 'district_admin' || (staff.role === 'town_admin' && c.areaPath.includes(staff.areaCode));

async function transition(
  app: AppContext,
  caller: Caller,
  c: CampaignDoc,
  from: CampaignStatus[],
  to: CampaignStatus,
  extra: Record<string, unknown> = {},
  details?: Record<string, unknown>,
): Promise<CampaignDoc> {
  if (!from.includes(c.status)) throw new AppError('INVALID_STATUS', 409, `当前状态（${c.status}）不能进行此操作`);
  const set = { status: to, updatedAt: app.clock.now(), ...extra };
  const r = await Campaigns(app.db).updateOne({ _id: c._id, status: c.status }, { $set: set });
  if (!r.modifiedCount) throw new AppError('CONFLICT', 409, '活动刚被其他人修改，请刷新后再试');
  await caller.audit(`campaign.${to}`, { type: 'campaign', id: String(c._id) }, { from: c.status, ...details });
  return { ...c, ...set } as CampaignDoc;
}

export async function submitCampaign(app: AppContext, caller: Caller, id: string): Promise<CampaignDoc> {
  const c = await getCampaign(app, caller.staff, id);
  if (c.status === 'draft') await assertReachesGroups(app, c);
  return transition(app, caller, c, ['draft'], 'pending_review', { reviewNote: '' });
}

/**
 * Approve; an immediate campaign (broadcast) is expanded into the outbox at once. Four eyes: the approver is never
 * the author (a district admin may approve a town admin's campaign, never their own); the audit names both.
 */
export async function approveCampaign(app: AppContext, caller: Caller, id: string): Promise<CampaignDoc> {
  const c = await getCampaign(app, caller.staff, id);
  if (!canApprove(caller.staff, c)) throw forbidden('只有镇街管理员（本辖区）或区管理员可以审核');
  if (c.createdBy === caller.staff.id) throw new AppError('OWN_CAMPAIGN', 403, '不能审核自己创建的内容，请由另一位管理员审核');
  // Groups may have been unbound since it was submitted: approving it now would "finish" with nobody reached.
  if (c.status === 'pending_review') await assertReachesGroups(app, c);
  const approved = await transition(
    app,
    caller,
    c,
    ['pending_review'],
    'approved',
    { approvedBy: caller.staff.id, approvedByName: nameOf(caller.staff), approvedAt: app.clock.now() },
    { author: c.createdBy },
  );
  if (approved.schedule.kind === 'now') {
    await fireOccurrence(app, approved, 'now', app.clock.now());
    return (await Campaigns(app.db).findById(c._id).lean())!;
  }
  return approved;
}

export async function rejectCampaign(app: AppContext, caller: Caller, id: string, reason: string): Promise<CampaignDoc> {
  const c = await getCampaign(app, caller.staff, id);
  if (!canApprove(caller.staff, c)) throw forbidden('只有镇街管理员（本辖区）或区管理员可以审核');
  return transition(app, caller, c, ['pending_review'], 'draft', { reviewNote: reason }, { rejected: reason });
}

export async function cancelCampaign(app: AppContext, caller: Caller, id: string): Promise<CampaignDoc & { cancelledItems: number }> {
  const c = await getCampaign(app, caller.staff, id);
  if (c.createdBy !== caller.staff.id && !canApprove(caller.staff, c)) throw forbidden();
  const done = await transition(app, caller, c, ['draft', 'pending_review', 'approved', 'active'], 'cancelled');
  const cancelledItems = await cancelPending(app, { 'source.campaignId': String(c._id) });
  return { ...done, cancelledItems };
}

/** A broadcast is an immediate campaign under the same rules: it waits for review by someone other than its author. */
export async function createBroadcast(app: AppContext, caller: Caller, input: Omit<CampaignInput, 'schedule'>): Promise<CampaignDoc> {
  const draft = await createCampaign(app, caller, { ...input, schedule: { kind: 'now' } }, 'broadcast');
  return submitCampaign(app, caller, String(draft._id));
}

export const occurrenceId = (d: Date): string => d.toISOString().slice(0, 16).replace(/[-:]/g, '') + 'Z';

/**
 * Expand one occurrence into one outbox item per target group. The occurrence document (unique `_id`) says
 * it was fired; the outbox keys make a repeated expansion (after a crash half-way) add only what is missing.
 */
export async function fireOccurrence(
  app: AppContext,
  c: CampaignDoc,
  occurrence: string,
  scheduledAt: Date,
): Promise<{ rooms: number; created: number } | null> {
  const _id = `${c._id}:${occurrence}`;
  try {
    await Occurrences(app.db).create({ _id, campaignId: c._id, occurrence, scheduledAt, state: 'fired', createdAt: app.clock.now() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const existing = await Occurrences(app.db).findById(_id).lean();
    if (existing?.state !== 'fired' || existing.expandedAt) return null;
  }
  const rooms = await activeRoomsFor(app, c.areaCode, c.targets);
  const text = c.kind === 'daily_tips' ? tipMessage(tipForDay(shanghaiDay(scheduledAt))) : c.text;
  const now = app.clock.now();
  const notBefore = (c.quietHours && quietUntil(now, c.quietHours)) || now;
  const created = await enqueueMany(
    app,
    rooms.map((r) => ({
      key: `campaign:${c._id}:${occurrence}:room:${r._id}`,
      channel: 'room' as const,
      payload: { roomId: String(r._id), text, ...(c.card ? { card: c.card } : {}), ...(c.linkText ? { linkText: c.linkText } : {}) },
      notBefore,
      source: { campaignId: String(c._id), occurrence },
      areaPath: r.areaPath,
    })),
  );
  await Occurrences(app.db).updateOne({ _id }, { $set: { expandedAt: app.clock.now(), rooms: rooms.length } });
  const next: CampaignStatus = c.schedule.kind === 'cron' ? 'active' : 'finished';
  await Campaigns(app.db).updateOne({ _id: c._id, status: { $in: ['approved', 'active'] } }, { $set: { status: next, updatedAt: app.clock.now() } });
  app.logger.info({ event: 'campaign.fired', campaignId: String(c._id), occurrence, rooms: rooms.length, created }, 'campaign occurrence fired');
  return { rooms: rooms.length, created };
}

export async function recordSkipped(app: AppContext, c: CampaignDoc, occurrence: string, scheduledAt: Date): Promise<boolean> {
  try {
    await Occurrences(app.db).create({
      _id: `${c._id}:${occurrence}`,
      campaignId: c._id,
      occurrence,
      scheduledAt,
      state: 'skipped',
      createdAt: app.clock.now(),
    });
    app.logger.warn({ event: 'campaign.skipped', campaignId: String(c._id), occurrence }, 'missed occurrence older than the grace window');
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
