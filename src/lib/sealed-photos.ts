import { mongo, Types, type Connection, type Model } from 'mongoose';
import type { AppContext } from '../context';
import { isDuplicateKey } from '../db/model';
import { AppError, notFound, validationError } from '../http/errors';
import { openBytes, sealBytes, sniffImage } from './blob-crypto';
import type { PhotoSlotFields } from './photo-slots';

/** JPEG/PNG by magic bytes, at most 2 MB, sealed before they reach GridFS. */
export const MAX_SEALED_PHOTO_BYTES = 2 * 1024 * 1024;
export const SEALED_PHOTO_BODY_LIMIT_KB = Math.ceil((MAX_SEALED_PHOTO_BYTES * 4) / 3 / 1024) + 16;

/**
 * Photos in numbered slots of an owner document (`photoSlotSchema(ownerField)`), their bytes sealed in a GridFS
 * bucket: the unique (owner, slot) lets at most `max` in, whatever the races.
 */
export function sealedPhotos(spec: { model: (db: Connection) => Model<any>; bucket: string; ownerField: string; max: number }) {
  const bucket = (app: AppContext) => new mongo.GridFSBucket(app.db.db!, { bucketName: spec.bucket });
  const tooMany = () => new AppError('TOO_MANY_PHOTOS', 409, `最多上传 ${spec.max} 张照片`);

  return {
    async add(app: AppContext, owner: Types.ObjectId, dataBase64: string) {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(dataBase64)) throw validationError('dataBase64', '照片数据不正确');
      const bytes = Buffer.from(dataBase64, 'base64');
      if (bytes.length > MAX_SEALED_PHOTO_BYTES) throw new AppError('PHOTO_TOO_LARGE', 413, '照片不能超过 2MB，请压缩后再传');
      const contentType = sniffImage(bytes);
      if (!contentType) throw new AppError('UNSUPPORTED_PHOTO_TYPE', 415, '只能上传 JPG 或 PNG 格式的照片');
      const taken = new Set(
        (
          (await spec
            .model(app.db)
            .find({ [spec.ownerField]: owner }, { slot: 1 })
            .lean()) as unknown as PhotoSlotFields[]
        ).map((p) => p.slot),
      );
      if (taken.size >= spec.max) throw tooMany();
      const sealed = sealBytes(app.config, bytes);
      const fileId = new Types.ObjectId();
      await new Promise<void>((resolve, reject) => {
        const up = bucket(app).openUploadStreamWithId(fileId, `${String(owner)}.bin`, { metadata: { [spec.ownerField]: owner } });
        up.once('finish', () => resolve()).once('error', reject);
        up.end(sealed.data);
      });
      for (let slot = 1; slot <= spec.max; slot++) {
        if (taken.has(slot)) continue;
        try {
          const doc = await spec.model(app.db).create({
            [spec.ownerField]: owner,
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
      throw tooMany();
    },

    /** The photo ids of each owner, in slot order. */
    async ids(app: AppContext, owners: Types.ObjectId[]): Promise<Map<string, string[]>> {
      const rows = (await spec
        .model(app.db)
        .find({ [spec.ownerField]: { $in: owners } }, { [spec.ownerField]: 1, slot: 1 })
        .sort({ slot: 1 })
        .lean()) as unknown as Array<PhotoSlotFields & Record<string, unknown>>;
      const out = new Map<string, string[]>();
      for (const p of rows) {
        const k = String(p[spec.ownerField]);
        out.set(k, [...(out.get(k) ?? []), String(p._id)]);
      }
      return out;
    },

    async read(app: AppContext, owner: Types.ObjectId, photoId: Types.ObjectId): Promise<{ contentType: string; bytes: Buffer }> {
      const p = (await spec
        .model(app.db)
        .findOne({ _id: photoId, [spec.ownerField]: owner })
        .lean()) as PhotoSlotFields | null;
      if (!p) throw notFound('照片');
      const chunks: Buffer[] = [];
      for await (const chunk of bucket(app).openDownloadStream(p.fileId)) chunks.push(chunk as Buffer);
      return { contentType: p.contentType, bytes: openBytes(app.config, p.keyId, Buffer.concat(chunks)) };
    },
  };
}
