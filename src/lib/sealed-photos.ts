import { mongo, Types, type Connection, type Model } from 'mongoose';
import type { AppContext } from '../context';
import { isDuplicateKey } from '../db/model';
import { AppError, notFound, validationError } from '../http/errors';
import { openBytes, sealBytes, sniffImage } from './blob-crypto';
import type { PhotoSlotFields } from './photo-slots';

export const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
/** JSON body limit for one photo: base64 is 4/3 of the bytes, plus the envelope. */
export const PHOTO_BODY_LIMIT_KB = Math.ceil((MAX_PHOTO_BYTES * 4) / 3 / 1024) + 16;

/**
 * Photos of one kind of owner (a question, a request), sealed before they reach a GridFS bucket: JPEG/PNG by
 * their first bytes, at most 2 MB, at most `max` per owner — a slot document per photo, unique (owner, slot),
 * so of two uploads racing for the last slot one gets in.
 */
export function sealedPhotos<T extends PhotoSlotFields>(spec: { model: (db: Connection) => Model<T>; ownerField: string; bucket: string; max: number }) {
  const bucket = (app: AppContext) => new mongo.GridFSBucket(app.db.db!, { bucketName: spec.bucket });
  const owner = (id: Types.ObjectId) => ({ [spec.ownerField]: id }) as Record<string, unknown>;

  return {
    async add(app: AppContext, ownerId: Types.ObjectId, dataBase64: string, extra: Record<string, unknown> = {}) {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(dataBase64)) throw validationError('dataBase64', '照片数据不正确');
      const bytes = Buffer.from(dataBase64, 'base64');
      if (bytes.length > MAX_PHOTO_BYTES) throw new AppError('PHOTO_TOO_LARGE', 413, '照片不能超过 2MB，请压缩后再传');
      const contentType = sniffImage(bytes);
      if (!contentType) throw new AppError('UNSUPPORTED_PHOTO_TYPE', 415, '只能上传 JPG 或 PNG 格式的照片');
      const taken = new Set(((await spec.model(app.db).find(owner(ownerId), { slot: 1 }).lean()) as Array<{ slot: number }>).map((p) => p.slot));
      if (taken.size >= spec.max) throw new AppError('TOO_MANY_PHOTOS', 409, `最多上传 ${spec.max} 张照片`);
      const sealed = sealBytes(app.config, bytes);
      const fileId = new Types.ObjectId();
      await new Promise<void>((resolve, reject) => {
        const up = bucket(app).openUploadStreamWithId(fileId, `${String(ownerId)}.bin`, { metadata: owner(ownerId) });
        up.once('finish', () => resolve()).once('error', reject);
        up.end(sealed.data);
      });
      for (let slot = 1; slot <= spec.max; slot++) {
        if (taken.has(slot)) continue;
        try {
          const doc = await spec.model(app.db).create({
            ...owner(ownerId),
            ...extra,
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
      throw new AppError('TOO_MANY_PHOTOS', 409, `最多上传 ${spec.max} 张照片`);
    },

    async read(app: AppContext, ownerId: Types.ObjectId, photoId: Types.ObjectId, extra: Record<string, unknown> = {}) {
      const p = (await spec
        .model(app.db)
        .findOne({ _id: photoId, ...owner(ownerId), ...extra })
        .lean()) as T | null;
      if (!p) throw notFound('照片');
      const chunks: Buffer[] = [];
      for await (const chunk of bucket(app).openDownloadStream(p.fileId)) chunks.push(chunk as Buffer);
      return { contentType: p.contentType, bytes: openBytes(app.config, p.keyId, Buffer.concat(chunks)) };
    },

    /** Remove photos of an owner (all, or those matching `extra`), bytes first. */
    async remove(app: AppContext, ownerId: Types.ObjectId, extra: Record<string, unknown> = {}): Promise<number> {
      const rows = (await spec
        .model(app.db)
        .find({ ...owner(ownerId), ...extra })
        .lean()) as T[];
      for (const p of rows) {
        await bucket(app)
          .delete(p.fileId)
          .catch(() => undefined); // already gone after an interrupted erase
        await spec.model(app.db).deleteOne({ _id: p._id });
      }
      return rows.length;
    },
  };
}
