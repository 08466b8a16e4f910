import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, forbidden, notFound, validationError } from '../../http/errors';
import { parseDailyWindow, shanghaiDay } from '../../lib/shanghai';
import { findPage, type PageQuery } from '../../lib/pagination';
import { quietUntil } from '../../notify/governor';
import { cancelPending, enqueueMany } from '../../notify/outbox.service';
import { isValidCron } from '../../lib/cron';
import { getArea } from '../areas';
import { audit } from '../audit';
import { inScope, scopeFilter, type StaffPrincipal } from '../staff';
import { actorOf, type By } from './by';
import { Campaigns, Occurrences, type CampaignDoc, type CampaignStatus, type Card, type Schedule } from './campaigns.model';
import { BotRooms } from './rooms.model';
import { activeRoomsFor } from './rooms.service';
import { tipForDay, tipMessage } from './tips';

export type { By } from './by';

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

export function parseWindow(spec: string): { startMin: number; endMin: number } {
  const w = parseDailyWindow(spec);
  if (!w) throw validationError('quietHours', '免打扰时段格式应为 21:00-07:30', { code: 'INVALID_QUIET_HOURS' });
  return w;
}

export const campaignView = (c: CampaignDoc) => ({
  id: String(c._id), kind: c.kind, title: c.title, text: c.text, card: c.card ?? null, linkText: c.linkText ?? null,
  targets: c.targets, schedule: c.schedule.kind === 'once' ? { kind: 'once' as const, at: c.schedule.at.toISOString() } : c.schedule,
  status: c.status, areaCode: c.areaCode, createdBy: c.createdBy, approvedBy: c.approvedBy ?? null,
  endAt: c.endAt?.toISOString() ?? null, createdAt: c.createdAt.toISOString(),
});

async function assertTargetsInScope(app: AppContext, staff: StaffPrincipal, t: { areaCodes: string[]; roomIds: string[] }): Promise<void> {
  for (const code of t.areaCodes) {
    const area = await getArea(app, code);
    if (!area) throw validationError('targets.areaCodes', `地区编码 ${code} 不存在`, { code: 'INVALID_AREA' });
    if (!inScope(staff, area.path)) throw forbidden('目标地区不在您的管辖范围内');
  }
  const ids = t.roomIds.map((id) => (Types.ObjectId.isValid(id) ? new Types.ObjectId(id) : null));
  if (ids.some((id) => !id)) throw validationError('targets.roomIds', '群编号不正确', { code: 'INVALID_ROOM' });
  const rooms = await BotRooms(app.db).find({ _id: { $in: ids } }).lean();
  if (rooms.length !== ids.length) throw validationError('targets.roomIds', '有的群不存在', { code: 'INVALID_ROOM' });
  if (rooms.some((r) => !inScope(staff, r.areaPath))) throw forbidden('目标群不在您的管辖范围内');
}

export async function createCampaign(app: AppContext, by: By, input: CampaignInput, kind: CampaignDoc['kind'] = 'campaign'): Promise<CampaignDoc> {
  const targets = { all: input.targets.all ?? false, areaCodes: input.targets.areaCodes ?? [], roomIds: input.targets.roomIds ?? [] };
  if (!targets.all && !targets.areaCodes.length && !targets.roomIds.length) throw validationError('targets', '请选择发送的群或地区', { code: 'NO_TARGETS' });
  await assertTargetsInScope(app, by.staff, targets);
  let schedule: Schedule;
  if (input.schedule.kind === 'cron') {
    if (!isValidCron(input.schedule.cron)) throw validationError('schedule.cron', '定时规则不正确', { code: 'INVALID_CRON' });
    schedule = { kind: 'cron', cron: input.schedule.cron };
  } else if (input.schedule.kind === 'once') {
    schedule = { kind: 'once', at: new Date(input.schedule.at) };
  } else schedule = { kind: 'now' };
  const now = app.clock.now();
  const doc = await Campaigns(app.db).create({
    kind, title: input.title, text: input.text, card: input.card, linkText: input.linkText, targets, schedule,
    quietHours: input.quietHours ? parseWindow(input.quietHours) : undefined, endAt: input.endAt ? new Date(input.endAt) : undefined,
    status: 'draft', areaCode: by.staff.areaCode, areaPath: by.staff.areaPath, createdBy: by.staff.id, createdAt: now, updatedAt: now,
  });
  await audit(app, actorOf(by), 'campaign.create', { type: 'campaign', id: String(doc._id) }, { kind, title: input.title });
  return doc.toObject();
}

export async function getCampaign(app: AppContext, staff: StaffPrincipal, id: string): Promise<CampaignDoc> {
  const c = Types.ObjectId.isValid(id) ? await Campaigns(app.db).findById(id).lean() : null;
  if (!c || !inScope(staff, c.areaPath)) throw notFound('活动');
  return c;
}

export async function listCampaigns(app: AppContext, staff: StaffPrincipal, q: PageQuery & { status?: CampaignStatus }) {
  const filter: Record<string, unknown> = { ...scopeFilter(staff), ...(q.status ? { status: q.status } : {}) };
  return findPage(Campaigns(app.db), filter, q, (rows) => rows.map(campaignView));
}

const canApprove = (staff: StaffPrincipal, c: CampaignDoc): boolean =>
  staff.role === 'district_admin' || (staff.role === 'town_admin' && c.areaPath.includes(staff.areaCode));

async function transition(app: AppContext, by: By, c: CampaignDoc, from: CampaignStatus[], to: CampaignStatus, extra: Record<string, unknown> = {}, details?: Record<string, unknown>): Promise<CampaignDoc> {
  if (!from.includes(c.status)) throw new AppError('INVALID_STATUS', 409, `当前状态（${c.status}）不能进行此操作`);
  const set = { status: to, updatedAt: app.clock.now(), ...extra };
  const r = await Campaigns(app.db).updateOne({ _id: c._id, status: c.status }, { $set: set });
  if (!r.modifiedCount) throw new AppError('CONFLICT', 409, '活动刚被其他人修改，请刷新后再试');
  await audit(app, actorOf(by), `campaign.${to}`, { type: 'campaign', id: String(c._id) }, { from: c.status, ...details });
  return { ...c, ...set } as CampaignDoc;
}

export async function submitCampaign(app: AppContext, by: By, id: string): Promise<CampaignDoc> {
  return transition(app, by, await getCampaign(app, by.staff, id), ['draft'], 'pending_review');
}

/**
 * Approve; an immediate campaign (broadcast) is expanded into the outbox at once. Four eyes: the approver is never
 * the author (a district admin may approve a town admin's campaign, never their own); the audit names both.
 */
export async function approveCampaign(app: AppContext, by: By, id: string): Promise<CampaignDoc> {
  const c = await getCampaign(app, by.staff, id);
  if (!canApprove(by.staff, c)) throw forbidden('只有镇街管理员（本辖区）或区管理员可以审核');
  if (c.createdBy === by.staff.id) throw new AppError('OWN_CAMPAIGN', 403, '不能审核自己创建的内容，请由另一位管理员审核');
  const approved = await transition(app, by, c, ['pending_review'], 'approved', { approvedBy: by.staff.id, approvedAt: app.clock.now() }, { author: c.createdBy });
  if (approved.schedule.kind === 'now') {
    await fireOccurrence(app, approved, 'now', app.clock.now());
    return (await Campaigns(app.db).findById(c._id).lean())!;
  }
  return approved;
}

export async function rejectCampaign(app: AppContext, by: By, id: string, reason: string): Promise<CampaignDoc> {
  const c = await getCampaign(app, by.staff, id);
  if (!canApprove(by.staff, c)) throw forbidden('只有镇街管理员（本辖区）或区管理员可以审核');
  return transition(app, by, c, ['pending_review'], 'draft', {}, { rejected: reason });
}

export async function cancelCampaign(app: AppContext, by: By, id: string): Promise<CampaignDoc & { cancelledItems: number }> {
  const c = await getCampaign(app, by.staff, id);
  if (c.createdBy !== by.staff.id && !canApprove(by.staff, c)) throw forbidden();
  const done = await transition(app, by, c, ['draft', 'pending_review', 'approved', 'active'], 'cancelled');
  const cancelledItems = await cancelPending(app, { 'source.campaignId': String(c._id) });
  return { ...done, cancelledItems };
}

/** A broadcast is an immediate campaign under the same rules: it waits for review by someone other than its author. */
export async function createBroadcast(app: AppContext, by: By, input: Omit<CampaignInput, 'schedule'>): Promise<CampaignDoc> {
  const draft = await createCampaign(app, by, { ...input, schedule: { kind: 'now' } }, 'broadcast');
  return submitCampaign(app, by, String(draft._id));
}

export const occurrenceId = (d: Date): string => d.toISOString().slice(0, 16).replace(/[-:]/g, '') + 'Z';

/**
 * Expand one occurrence into one outbox item per target group. The occurrence document (unique `_id`) says
 * it was fired; the outbox keys make a repeated expansion (after a crash half-way) add only what is missing.
 */
export async function fireOccurrence(app: AppContext, c: CampaignDoc, occurrence: string, scheduledAt: Date): Promise<{ rooms: number; created: number } | null> {
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
  const created = await enqueueMany(app, rooms.map((r) => ({
    key: `campaign:${c._id}:${occurrence}:room:${r._id}`,
    channel: 'room' as const,
    payload: { roomId: String(r._id), text, ...(c.card ? { card: c.card } : {}), ...(c.linkText ? { linkText: c.linkText } : {}) },
    notBefore,
    source: { campaignId: String(c._id), occurrence },
    areaPath: r.areaPath,
  })));
  await Occurrences(app.db).updateOne({ _id }, { $set: { expandedAt: app.clock.now(), rooms: rooms.length } });
  const next: CampaignStatus = c.schedule.kind === 'cron' ? 'active' : 'finished';
  await Campaigns(app.db).updateOne({ _id: c._id, status: { $in: ['approved', 'active'] } }, { $set: { status: next, updatedAt: app.clock.now() } });
  app.logger.info({ event: 'campaign.fired', campaignId: String(c._id), occurrence, rooms: rooms.length, created }, 'campaign occurrence fired');
  return { rooms: rooms.length, created };
}

export async function recordSkipped(app: AppContext, c: CampaignDoc, occurrence: string, scheduledAt: Date): Promise<boolean> {
  try {
    await Occurrences(app.db).create({ _id: `${c._id}:${occurrence}`, campaignId: c._id, occurrence, scheduledAt, state: 'skipped', createdAt: app.clock.now() });
    app.logger.warn({ event: 'campaign.skipped', campaignId: String(c._id), occurrence }, 'missed occurrence older than the grace window');
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
