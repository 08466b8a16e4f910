import { mongo, type Types } from 'mongoose';
import type { AppContext } from '../../context';
import { AppError } from '../../http/errors';
import { SEALED_PHOTO_BODY_LIMIT_KB, sealedPhotos } from '../../lib/sealed-photos';
import { isTerminal } from '../../lib/workflow';
import { ReferralPhotos } from './referrals.model';
import { REFERRAL_EDGES } from './referrals.workflow';
import type { ReferralDoc } from './referrals.model';

/** JPEG/PNG by magic bytes, ≤ 2 MB after decoding, sealed before they reach GridFS; six at most. */
const photos = sealedPhotos({ model: ReferralPhotos, bucket: 'referralPhotos', ownerField: 'referralId', max: 6 });
export const PHOTO_BODY_LIMIT_KB = SEALED_PHOTO_BODY_LIMIT_KB;

const bucket = (app: AppContext) => new mongo.GridFSBucket(app.db.db!, { bucketName: 'referralPhotos' });

export async function addPhoto(app: AppContext, r: ReferralDoc, dataBase64: string) {
  if (isTerminal(REFERRAL_EDGES, r.status)) throw new AppError('REFERRAL_CLOSED', 409, '此申请已结束，不能再上传照片');
  return photos.add(app, r._id, dataBase64);
}

export async function listPhotos(app: AppContext, referralId: Types.ObjectId) {
  const rows = await ReferralPhotos(app.db).find({ referralId }).sort({ slot: 1 }).lean();
  return rows.map((p) => ({ id: String(p._id), contentType: p.contentType, size: p.size, createdAt: p.createdAt.toISOString() }));
}

export const readPhoto = (app: AppContext, referralId: Types.ObjectId, photoId: Types.ObjectId) => photos.read(app, referralId, photoId);

export async function deletePhotos(app: AppContext, referralId: Types.ObjectId): Promise<number> {
  const rows = await ReferralPhotos(app.db).find({ referralId }).lean();
  for (const p of rows) {
    await bucket(app)
      .delete(p.fileId)
      .catch(() => undefined); // already gone after an interrupted erase
    await ReferralPhotos(app.db).deleteOne({ _id: p._id });
  }
  return rows.length;
}
