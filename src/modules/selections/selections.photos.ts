import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { SEALED_PHOTO_BODY_LIMIT_KB, sealedPhotos } from '../../lib/sealed-photos';
import { NominationPhotos } from './selections.model';

/** Same checks as referral photos: JPEG/PNG by magic bytes, ≤ 2 MB, sealed before they reach GridFS; three at most. */
const photos = sealedPhotos({ model: NominationPhotos, bucket: 'selectionPhotos', ownerField: 'nominationId', max: 3 });
export const PHOTO_BODY_LIMIT_KB = SEALED_PHOTO_BODY_LIMIT_KB;

export const addNominationPhoto = (app: AppContext, nominationId: Types.ObjectId, dataBase64: string) => photos.add(app, nominationId, dataBase64);
export const photoIds = (app: AppContext, nominationIds: Types.ObjectId[]) => photos.ids(app, nominationIds);
export const readNominationPhoto = (app: AppContext, nominationId: Types.ObjectId, photoId: Types.ObjectId) => photos.read(app, nominationId, photoId);
