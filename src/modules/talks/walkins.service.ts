import { Types } from 'mongoose';
import type { Caller } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, notFound, validationError } from '../../http/errors';
import { MAINLAND_MOBILE, type PiiCrypto } from '../../lib/pii';
import { requireVillage } from '../areas';
import { assertMarkingOpen } from './attendance.service';
import { WalkIns, type TalkDoc, type WalkInDoc } from './talks.model';

interface WalkInInput {
  name: string;
  /** Many elderly people have none: then village, sex and birth year tell them apart. */
  phone?: string;
  villageCode?: string;
  sex?: 'male' | 'female';
  birthYear?: number;
}

export const PHONE_INDEX = 'talk-walkin-phone';

/** What a walk-in's lookup index is made of: the phone, or without one name, village, sex and birth year. */
export const walkInKey = (p: Pick<WalkInInput, 'name' | 'phone' | 'villageCode' | 'sex' | 'birthYear'>): string =>
  p.phone ?? `nophone|${p.name}|${p.villageCode}|${p.sex}|${p.birthYear}`;

/** The walk-in's lookup source as stored: null once erased. */
export function storedWalkInKey(pii: PiiCrypto, d: Pick<WalkInDoc, 'nameEnc' | 'phoneEnc' | 'profileEnc' | 'villageCode'>): string | null {
  if (d.phoneEnc) return pii.open(d.phoneEnc);
  if (!d.nameEnc || !d.profileEnc) return null;
  const profile = JSON.parse(pii.open(d.profileEnc)) as Pick<WalkInInput, 'sex' | 'birthYear'>;
  return walkInKey({ name: pii.open(d.nameEnc), villageCode: d.villageCode, sex: profile.sex, birthYear: profile.birthYear });
}

function assertOpenForAttendance(talk: TalkDoc): void {
  if (talk.status === 'draft') throw new AppError('TALK_NOT_PUBLISHED', 409, '活动还没有发布，不能登记到场');
  if (talk.status === 'cancelled') throw new AppError('TALK_CANCELLED', 409, '本场活动已取消');
}

/** Without a phone, the person's village, sex and birth year are needed (and say who they are). */
function assertIdentifiable(input: WalkInInput): void {
  if (input.phone) {
    if (!MAINLAND_MOBILE.test(input.phone)) throw validationError('phone', '请输入 11 位手机号，没有手机可不填');
    return;
  }
  if (!input.villageCode) throw validationError('villageCode', '没有手机号时请选择所在村居');
  if (!input.sex) throw validationError('sex', '没有手机号时请选择性别');
  if (!input.birthYear) throw validationError('birthYear', '没有手机号时请填写出生年份');
}

/**
 * A person who came without signing up: recorded as attended, once per session and phone number (or, without a
 * phone, per name, village, sex and birth year). `within`: a village worker at a town session adds people of
 * their own area only.
 */
export async function addWalkIn(app: AppContext, caller: Caller, talk: TalkDoc, input: WalkInInput, within?: string) {
  assertOpenForAttendance(talk);
  assertMarkingOpen(app, talk);
  assertIdentifiable(input);
  const village = input.villageCode ? await requireVillage(app, input.villageCode) : null;
  if (within && !village?.path.includes(within)) throw validationError('villageCode', '请选择您负责的村居');
  const phone = input.phone;
  const key = walkInKey({ ...input, villageCode: village?.code });
  const exists = () =>
    validationError(phone ? 'phone' : 'name', phone ? '这个手机号已经登记过到场' : '这位居民已经登记过到场', { code: 'WALK_IN_EXISTS', status: 409 });
  // During a key rotation the person may be recorded under the previous lookup key.
  const old = app.pii.oldBlindIndex(PHONE_INDEX, key);
  if (old && (await WalkIns(app.db).exists({ talkId: talk._id, phoneIndex: old }))) throw exists();
  const doc = {
    _id: new Types.ObjectId(),
    talkId: talk._id,
    nameEnc: app.pii.seal(input.name),
    ...(phone ? { phoneEnc: app.pii.seal(phone) } : { profileEnc: app.pii.seal(JSON.stringify({ sex: input.sex, birthYear: input.birthYear })) }),
    phoneIndex: app.pii.blindIndex(PHONE_INDEX, key),
    ...(village ? { villageCode: village.code } : {}),
    areaPath: village ? village.path : talk.areaPath,
    staffId: caller.staff.id,
    at: app.clock.now(),
  };
  try {
    await WalkIns(app.db).create(doc);
  } catch (err) {
    if (isDuplicateKey(err)) throw exists();
    throw err;
  }
  await caller.audit('talk.walk_in.add', { type: 'talk', id: String(talk._id) }, { walkInId: String(doc._id) });
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
  const due = await WalkIns(app.db)
    .find({ at: { $lt: cutoff }, erasedAt: { $exists: false } }, { _id: 1 })
    .lean();
  for (const w of due) {
    await WalkIns(app.db).updateOne(
      { _id: w._id },
      { $unset: { nameEnc: 1, phoneEnc: 1, profileEnc: 1 }, $set: { phoneIndex: `erased:${String(w._id)}`, erasedAt: now } },
    );
  }
  return { erased: due.length };
}

/** Take back a walk-in entered by mistake (`within`: only one counted in that area). */
export async function removeWalkIn(app: AppContext, caller: Caller, talk: TalkDoc, id: string, within?: string): Promise<void> {
  assertOpenForAttendance(talk);
  const { deletedCount } = await WalkIns(app.db).deleteOne({ _id: id, talkId: talk._id, ...(within ? { areaPath: within } : {}) });
  if (!deletedCount) throw notFound('现场登记');
  await caller.audit('talk.walk_in.remove', { type: 'talk', id: String(talk._id) }, { walkInId: id });
}
