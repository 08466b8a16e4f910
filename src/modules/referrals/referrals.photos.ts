import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { AppError } from '../../http/errors';
import { sealedPhotos } from '../../lib/sealed-photos';
import { isTerminal } from '../../lib/workflow';
import { ReferralPhotos } from './referrals.model';
import { REFERRAL_EDGES } from './referrals.workflow';
import type { ReferralDoc } from './referrals.model';

export { PHOTO_BODY_LIMIT_KB } from '../../lib/sealed-photos';

const store = sealedPhotos({ model: ReferralPhotos, ownerField: 'referralId', bucket: 'referralPhotos', max: 6 });

/** Type by magic bytes, size after decoding; bytes are sealed before they reach GridFS. */
export async function addPhoto(app: AppContext, r: ReferralDoc, dataBase64: string) {
  if (isTerminal(REFERRAL_EDGES, r.status)) throw new AppError('REFERRAL_CLOSED', 409, '此申请已结束，不能再上传照片');
  return store.add(app, r._id, dataBase64);
}

export async function listPhotos(app: AppContext, referralId: Types.ObjectId) {
  const rows = await ReferralPhotos(app.db).find({ referralId }).sort({ slot: 1 }).lean();
  return rows.map((p) => ({ id: String(p._id), contentType: p.contentType, size: p.size, createdAt: p.createdAt.toISOString() }));
}

export const readPhoto = (app: AppContext, referralId: Types.ObjectId, photoId: Types.ObjectId): Promise<{ contentType: string; bytes: Buffer }> =>
  store.read(app, referralId, photoId);

export const deletePhotos = (app: AppContext, referralId: Types.ObjectId): Promise<number> => store.remove(app, referralId);
