import { sealedPhotos } from '../../lib/sealed-photos';
import { TaskbookPhotos } from './taskbook.model';

/** Photos of supervision visits, evidence and rectification answers: at most six each, sealed. */
export const taskbookPhotos = sealedPhotos({ model: TaskbookPhotos, bucket: 'taskbookPhotos', ownerField: 'ownerId', max: 6 });
