import { mongo, Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, notFound, validationError } from '../../http/errors';
import { openBytes, sealBytes, sniffImage } from '../../lib/blob-crypto';
import { isTerminal } from '../../lib/workflow';
import { ReferralPhotos } from './referrals.model';
import { REFERRAL_EDGES } from './referrals.workflow';
import type { ReferralDoc } from './referrals.model';

export const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
const MAX_PHOTOS = 6;
/** JSON body limit for one photo: base64 is 4/3 of the bytes, plus the envelope. */
export const PHOTO_BODY_LIMIT_KB = Math.ceil((MAX_PHOTO_BYTES * 4) / 3 / 1024) + 16;

const bucket = (app: AppContext) => new mongo.GridFSBucket(app.db.db!, { bucketName: 'referralPhotos' });

/** Type by magic bytes, size after decoding; bytes are sealed before they reach GridFS. */
export async function addPhoto(app: AppContext, r: ReferralDoc, dataBase64: string) {
  if (isTerminal(REFERRAL_EDGES, r.status)) throw new AppError('REFERRAL_CLOSED', 409, '此申请已结束，不能再上传照片');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(dataBase64)) throw validationError('dataBase64', '照片数据不正确');
  const bytes = Buffer.from(dataBase64, 'base64');
  if (bytes.length > MAX_PHOTO_BYTES) throw new AppError('PHOTO_TOO_LARGE', 413, '照片不能超过 2MB，请压缩后再传');
  const contentType = sniffImage(bytes);
  if (!contentType) throw new AppError('UNSUPPORTED_PHOTO_TYPE', 415, '只能上传 JPG 或 PNG 格式的照片');

  const taken = new Set((await ReferralPhotos(app.db).find({ referralId: r._id }, { slot: 1 }).lean()).map((p) => p.slot));
  const sealed = sealBytes(app.config, bytes);
  const fileId = new Types.ObjectId();
  await new Promise<void>((resolve, reject) => {
    const up = bucket(app).openUploadStreamWithId(fileId, `${String(r._id)}.bin`, { metadata: { referralId: r._id } });
    up.once('finish', () => resolve()).once('error', reject);
    up.end(sealed.data);
  });
  // A slot document per photo: of two concurrent uploads into the last slot, only one insert succeeds.
  for (let slot = 1; slot <= MAX_PHOTOS; slot++) {
    if (taken.has(slot)) continue;
    try {
      const doc = await ReferralPhotos(app.db).create({
        referralId: r._id,
        slot,
        fileId,
        contentType,
        size: bytes.length,
        keyId: sealed.keyId,
        createdAt: app.clock.now(),
      });
      return { id: String(doc._id), slot, contentType, size: bytes.length };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  await bucket(app).delete(fileId);
  throw new AppError('TOO_MANY_PHOTOS', 409, `最多上传 ${MAX_PHOTOS} 张照片`);
}

export async function listPhotos(app: AppContext, referralId: Types.ObjectId) {
  const rows = await ReferralPhotos(app.db).find({ referralId }).sort({ slot: 1 }).lean();
  return rows.map((p) => ({ id: String(p._id), contentType: p.contentType, size: p.size, createdAt: p.createdAt.toISOString() }));
}

export async function readPhoto(app: AppContext, referralId: Types.ObjectId, photoId: Types.ObjectId): Promise<{ contentType: string; bytes: Buffer }> {
  const p = await ReferralPhotos(app.db).findOne({ _id: photoId, referralId }).lean();
  if (!p) throw notFound('照片');
  const chunks: Buffer[] = [];
  for await (const chunk of bucket(app).openDownloadStream(p.fileId)) chunks.push(chunk as Buffer);
  return { contentType: p.contentType, bytes: openBytes(app.config, p.keyId, Buffer.concat(chunks)) };
}

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
