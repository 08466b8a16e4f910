import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, notFound, validationError } from '../../http/errors';
import { MAINLAND_MOBILE } from '../../lib/pii';
import { requireVillage } from '../areas';
import { audit, type Actor } from '../audit';
import type { StaffPrincipal } from '../staff';
import { WalkIns, type TalkDoc } from './talks.model';

interface WalkInInput {
  name: string;
  phone: string;
  villageCode?: string;
}

export const PHONE_INDEX = 'talk-walkin-phone';

function assertOpenForAttendance(talk: TalkDoc): void {
  if (talk.status === 'draft') throw new AppError('TALK_NOT_PUBLISHED', 409, '活动还没有发布，不能登记到场');
  if (talk.status === 'cancelled') throw new AppError('TALK_CANCELLED', 409, '本场活动已取消');
}

/** A person who came without signing up: recorded as attended, once per phone number and session. */
export async function addWalkIn(app: AppContext, actor: Actor, staff: StaffPrincipal, talk: TalkDoc, input: WalkInInput) {
  assertOpenForAttendance(talk);
  if (!MAINLAND_MOBILE.test(input.phone)) throw validationError('phone', '请输入 11 位手机号');
  const village = input.villageCode ? await requireVillage(app, input.villageCode) : null;
  const doc = {
    _id: new Types.ObjectId(),
    talkId: talk._id,
    nameEnc: app.pii.seal(input.name),
    phoneEnc: app.pii.seal(input.phone),
    phoneIndex: app.pii.blindIndex(PHONE_INDEX, input.phone),
    ...(village ? { villageCode: village.code } : {}),
    areaPath: village ? village.path : talk.areaPath,
    staffId: staff.id,
    at: app.clock.now(),
  };
  try {
    await WalkIns(app.db).create(doc);
  } catch (err) {
    if (isDuplicateKey(err)) throw validationError('phone', '这个手机号已经登记过到场', { code: 'WALK_IN_EXISTS', status: 409 });
    throw err;
  }
  await audit(app, actor, 'talk.walk_in.add', { type: 'talk', id: String(talk._id) }, { walkInId: String(doc._id) });
  return { id: String(doc._id), checkedInAt: doc.at.toISOString() };
}

/**
 * Walk-ins lose name and phone WALKIN_RETENTION_DAYS after the day they came (worker task, nightly): the
 * record stays, so attendance figures do not change. Each is erased by `_id` alone (the one filter FerretDB
 * hands to SQL); erasing one twice writes the same again.
 */
export async function runWalkInRetention(app: AppContext): Promise<{ erased: number }> {
  const now = app.clock.now();
  const cutoff = new Date(now.getTime() - app.config.WALKIN_RETENTION_DAYS * 86_400_000);
  const due = await WalkIns(app.db).find({ at: { $lt: cutoff }, erasedAt: { $exists: false } }, { _id: 1 }).lean();
  for (const w of due) {
    await WalkIns(app.db).updateOne({ _id: w._id }, { $unset: { nameEnc: 1, phoneEnc: 1 }, $set: { phoneIndex: `erased:${String(w._id)}`, erasedAt: now } });
  }
  return { erased: due.length };
}

/** Take back a walk-in entered by mistake. */
export async function removeWalkIn(app: AppContext, actor: Actor, talk: TalkDoc, id: string): Promise<void> {
  assertOpenForAttendance(talk);
  const { deletedCount } = await WalkIns(app.db).deleteOne({ _id: id, talkId: talk._id });
  if (!deletedCount) throw notFound('现场登记');
  await audit(app, actor, 'talk.walk_in.remove', { type: 'talk', id: String(talk._id) }, { walkInId: id });
}
