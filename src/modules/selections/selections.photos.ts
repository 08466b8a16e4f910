import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { sealedPhotos } from '../../lib/sealed-photos';
import { NominationPhotos } from './selections.model';

/** Same checks as referral photos: JPEG/PNG by magic bytes, ≤ 2 MB, sealed before they reach GridFS. */
export { PHOTO_BODY_LIMIT_KB } from '../../lib/sealed-photos';

const store = sealedPhotos({ model: NominationPhotos, ownerField: 'nominationId', bucket: 'selectionPhotos', max: 3 });

export const addNominationPhoto = (app: AppContext, nominationId: Types.ObjectId, dataBase64: string) => store.add(app, nominationId, dataBase64);

export async function photoIds(app: AppContext, nominationIds: Types.ObjectId[]): Promise<Map<string, string[]>> {
  const rows = await NominationPhotos(app.db)
    .find({ nominationId: { $in: nominationIds } }, { nominationId: 1, slot: 1 })
    .sort({ slot: 1 })
    .lean();
  const out = new Map<string, string[]>();
  for (const p of rows) out.set(String(p.nominationId), [...(out.get(String(p.nominationId)) ?? []), String(p._id)]);
  return out;
}

export const readNominationPhoto = (app: AppContext, nominationId: Types.ObjectId, photoId: Types.ObjectId): Promise<{ contentType: string; bytes: Buffer }> =>
  store.read(app, nominationId, photoId);
