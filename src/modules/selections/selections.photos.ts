import { mongo, Types } from 'mongoose';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, notFound, validationError } from '../../http/errors';
import { openBytes, sealBytes, sniffImage } from '../../lib/blob-crypto';
import { NominationPhotos } from './selections.model';

/** Same checks as referral photos: JPEG/PNG by magic bytes, ≤ 2 MB, sealed before they reach GridFS. */
export const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
const MAX_NOMINATION_PHOTOS = 3;
export const PHOTO_BODY_LIMIT_KB = Math.ceil((MAX_PHOTO_BYTES * 4) / 3 / 1024) + 16;

const bucket = (app: AppContext) => new mongo.GridFSBucket(app.db.db!, { bucketName: 'selectionPhotos' });

export async function addNominationPhoto(app: AppContext, nominationId: Types.ObjectId, dataBase64: string) {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(dataBase64)) throw validationError('dataBase64', '照片数据不正确');
  const bytes = Buffer.from(dataBase64, 'base64');
  if (bytes.length > MAX_PHOTO_BYTES) throw new AppError('PHOTO_TOO_LARGE', 413, '照片不能超过 2MB，请压缩后再传');
  const contentType = sniffImage(bytes);
  if (!contentType) throw new AppError('UNSUPPORTED_PHOTO_TYPE', 415, '只能上传 JPG 或 PNG 格式的照片');
  const taken = new Set((await NominationPhotos(app.db).find({ nominationId }, { slot: 1 }).lean()).map((p) => p.slot));
  if (taken.size >= MAX_NOMINATION_PHOTOS) throw new AppError('TOO_MANY_PHOTOS', 409, `最多上传 ${MAX_NOMINATION_PHOTOS} 张照片`);
  const sealed = sealBytes(app.config, bytes);
  const fileId = new Types.ObjectId();
  await new Promise<void>((resolve, reject) => {
    const up = bucket(app).openUploadStreamWithId(fileId, `${String(nominationId)}.bin`, { metadata: { nominationId } });
    up.once('finish', () => resolve()).once('error', reject);
    up.end(sealed.data);
  });
  // Of two uploads racing for the last slot, the unique (nominationId, slot) lets one in.
  for (let slot = 1; slot <= MAX_NOMINATION_PHOTOS; slot++) {
    if (taken.has(slot)) continue;
    try {
      const doc = await NominationPhotos(app.db).create({
        nominationId,
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
  throw new AppError('TOO_MANY_PHOTOS', 409, `最多上传 ${MAX_NOMINATION_PHOTOS} 张照片`);
}

export async function photoIds(app: AppContext, nominationIds: Types.ObjectId[]): Promise<Map<string, string[]>> {
  const rows = await NominationPhotos(app.db)
    .find({ nominationId: { $in: nominationIds } }, { nominationId: 1, slot: 1 })
    .sort({ slot: 1 })
    .lean();
  const out = new Map<string, string[]>();
  for (const p of rows) out.set(String(p.nominationId), [...(out.get(String(p.nominationId)) ?? []), String(p._id)]);
  return out;
}

export async function readNominationPhoto(
  app: AppContext,
  nominationId: Types.ObjectId,
  photoId: Types.ObjectId,
): Promise<{ contentType: string; bytes: Buffer }> {
  const p = await NominationPhotos(app.db).findOne({ _id: photoId, nominationId }).lean();
  if (!p) throw notFound('照片');
  const chunks: Buffer[] = [];
  for await (const chunk of bucket(app).openDownloadStream(p.fileId)) chunks.push(chunk as Buffer);
  return { contentType: p.contentType, bytes: openBytes(app.config, p.keyId, Buffer.concat(chunks)) };
}
