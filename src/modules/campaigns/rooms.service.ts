import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { assertInScope, type Caller, inScope, scopeFilter, type StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { notFound, validationError } from '../../http/errors';
import { getArea, type AreaDoc } from '../areas';
import { Outbox } from '../../notify/outbox.model';
import { retryDead } from '../../notify/outbox.service';
import { BindCodes, BindCodeUses, BotRooms, type BotRoomDoc } from './rooms.model';

const CODE_TTL_MS = 24 * 3600_000;
// No 0/O/1/I: codes are read aloud and typed by elderly residents.
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

export async function areaLabel(app: AppContext, area: AreaDoc): Promise<string> {
  const parent = area.parentCode && area.level !== 'town' && area.level !== 'subdistrict' ? await getArea(app, area.parentCode) : null;
  return parent && parent.level !== 'district' ? `${parent.name}${area.name}` : area.name;
}

export async function createBindCode(
  app: AppContext,
  caller: Caller,
  areaCode: string,
): Promise<{ code: string; areaCode: string; areaName: string; expiresAt: Date }> {
  const { staff } = caller;
  const area = await getArea(app, areaCode);
  if (!area) throw validationError('areaCode', `地区编码 ${areaCode} 不存在`, { code: 'INVALID_AREA' });
  assertInScope(staff, area.path);
  const now = app.clock.now();
  const areaName = await areaLabel(app, area);
  for (;;) {
    const code = Array.from(crypto.randomBytes(6), (b) => ALPHABET[b % ALPHABET.length]).join('');
    try {
      const doc = await BindCodes(app.db).create({
        _id: code,
        areaCode: area.code,
        areaPath: area.path,
        areaName,
        createdBy: staff.id,
        createdAt: now,
        expiresAt: new Date(now.getTime() + CODE_TTL_MS),
      });
      await caller.audit('bot.bind_code.create', { type: 'area', id: area.code });
      return { code, areaCode: area.code, areaName, expiresAt: doc.expiresAt };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}

type BindResult = { ok: true; room: BotRoomDoc; rebound: boolean } | { ok: false; reason: 'unknown' | 'expired' | 'used' };

/** `绑定 <code>` in a group: the first use of a code wins (unique insert); the room is created or rebound. */
/** Only the binder's WeChat id is kept (no nickname: it may be a real name). */
export async function bindRoomByCode(app: AppContext, input: { code: string; wxRoomId: string; topic: string; contactId: string }): Promise<BindResult> {
  const code = input.code.trim().toUpperCase();
  const bind = await BindCodes(app.db).findById(code).lean();
  const now = app.clock.now();
  if (!bind) return { ok: false, reason: 'unknown' };
  if (bind.expiresAt <= now) return { ok: false, reason: 'expired' };
  try {
    await BindCodeUses(app.db).create({ _id: code, wxRoomId: input.wxRoomId, usedAt: now });
  } catch (err) {
    if (isDuplicateKey(err)) return { ok: false, reason: 'used' };
    throw err;
  }
  const set = {
    topic: input.topic,
    areaCode: bind.areaCode,
    areaPath: bind.areaPath,
    areaName: bind.areaName,
    boundBy: { contactId: input.contactId, code },
    boundAt: now,
    active: true,
    updatedAt: now,
  };
  const existing = await BotRooms(app.db).findOne({ wxRoomId: input.wxRoomId }).lean();
  if (existing) {
    await BotRooms(app.db).updateOne({ _id: existing._id }, { $set: set, $unset: { attention: 1 } });
    return { ok: true, room: { ...existing, ...set, attention: undefined }, rebound: true };
  }
  try {
    const room = await BotRooms(app.db).create({ wxRoomId: input.wxRoomId, ...set });
    return { ok: true, room: room.toObject(), rebound: false };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // Another code bound the same room at the same moment: this one rebinds it.
    await BotRooms(app.db).updateOne({ wxRoomId: input.wxRoomId }, { $set: set });
    return { ok: true, room: (await BotRooms(app.db).findOne({ wxRoomId: input.wxRoomId }).lean())!, rebound: true };
  }
}

export const roomView = (r: BotRoomDoc) => ({
  id: String(r._id),
  topic: r.topic,
  areaCode: r.areaCode,
  areaName: r.areaName,
  active: r.active,
  attention: r.attention ?? null,
  boundAt: r.boundAt.toISOString(),
});

export async function listRooms(app: AppContext, staff: StaffPrincipal, q: { areaCode?: string; active?: boolean }) {
  const filter: Record<string, unknown> = { ...scopeFilter(staff) };
  if (q.areaCode) filter.areaPath = { $all: [staff.areaCode, q.areaCode] };
  if (q.active !== undefined) filter.active = q.active;
  const rows = await BotRooms(app.db).find(filter).sort({ areaCode: 1, topic: 1 }).limit(2000).lean();
  return rows.map(roomView);
}

export async function unbindRoom(app: AppContext, caller: Caller, id: string): Promise<BotRoomDoc> {
  const room = Types.ObjectId.isValid(id) ? await BotRooms(app.db).findById(id).lean() : null;
  if (!room) throw notFound('群');
  assertInScope(caller.staff, room.areaPath);
  await BotRooms(app.db).updateOne({ _id: room._id }, { $set: { active: false, updatedAt: app.clock.now() } });
  await caller.audit('bot.room.unbind', { type: 'bot_room', id });
  return { ...room, active: false };
}

/** Group messages that failed for good, in the staff member's area, newest first. */
/** Queue a dead group message of the staff member's area again. */
export async function retryDeadRoomItem(app: AppContext, caller: Caller, id: string): Promise<boolean> {
  const item = await Outbox(app.db).findById(id).lean();
  if (!item || item.channel !== 'room' || !inScope(caller.staff, item.areaPath)) throw notFound('消息');
  const retried = await retryDead(app, new Types.ObjectId(id));
  await caller.audit('bot.dead_item.retry', { type: 'outbox', id }, { retried });
  return retried;
}

export async function recordTopicChange(app: AppContext, wxRoomId: string, topic: string): Promise<boolean> {
  const r = await BotRooms(app.db).updateOne({ wxRoomId }, { $set: { topic, updatedAt: app.clock.now() } });
  return r.modifiedCount > 0;
}

/** The bot was removed from the group: nothing more goes there until it is bound again. */
export async function recordBotRemoved(app: AppContext, wxRoomId: string): Promise<boolean> {
  const r = await BotRooms(app.db).updateOne({ wxRoomId }, { $set: { active: false, attention: 'bot_removed', updatedAt: app.clock.now() } });
  return r.modifiedCount > 0;
}

/** Active groups under any of the areas (or with the given ids), within a scope area. */
export async function activeRoomsFor(app: AppContext, scopeArea: string, t: { all: boolean; areaCodes: string[]; roomIds: string[] }): Promise<BotRoomDoc[]> {
  const or: Record<string, unknown>[] = [];
  if (t.all) or.push({ areaPath: scopeArea });
  if (t.areaCodes.length) or.push({ areaPath: { $in: t.areaCodes } });
  const ids = t.roomIds.filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id));
  if (ids.length) or.push({ _id: { $in: ids } });
  if (!or.length) return [];
  return BotRooms(app.db).find({ active: true, areaPath: scopeArea, $or: or }).sort({ _id: 1 }).lean();
}

/** The active groups bound to an area or any area under it. */
export async function activeRoomsUnder(app: AppContext, areaCode: string): Promise<BotRoomDoc[]> {
  return BotRooms(app.db).find({ active: true, areaPath: areaCode }).lean();
}

export async function countActiveRoomsUnder(app: AppContext, areaCode: string): Promise<number> {
  return BotRooms(app.db).countDocuments({ active: true, areaPath: areaCode });
}

/** A group record by id (null for an id that is not one). */
export async function getRoom(app: AppContext, roomId: string): Promise<BotRoomDoc | null> {
  return Types.ObjectId.isValid(roomId) ? BotRooms(app.db).findById(roomId).lean() : null;
}

export async function activeRoomByWxId(app: AppContext, wxRoomId: string): Promise<BotRoomDoc | null> {
  return BotRooms(app.db).findOne({ wxRoomId, active: true }).lean();
}

/** Flag a group staff must look at (its WeChat id is gone, or its topic is ambiguous). */
export async function markRoomAttention(app: AppContext, roomId: Types.ObjectId, attention: string): Promise<void> {
  await BotRooms(app.db).updateOne({ _id: roomId }, { $set: { attention, updatedAt: app.clock.now() } });
}

/** The group was found again under a new WeChat id; a duplicate-key error means another record holds that id. */
export async function relinkRoom(app: AppContext, roomId: Types.ObjectId, wxRoomId: string): Promise<void> {
  await BotRooms(app.db).updateOne({ _id: roomId }, { $set: { wxRoomId, updatedAt: app.clock.now() }, $unset: { attention: 1 } });
}
