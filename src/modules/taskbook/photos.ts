import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { sealedPhotos } from '../../lib/sealed-photos';
import { TaskbookPhotos } from './taskbook.model';

/** Photos of supervision visits, evidence and rectification answers: at most six each, sealed. */
const store = sealedPhotos({ model: TaskbookPhotos, bucket: 'taskbookPhotos', ownerField: 'ownerId', max: 6 });

export const taskbookPhotos = {
  add: store.add,
  read: store.read,
  /** The photo ids of each owner, in slot order. */
  async ids(app: AppContext, owners: Types.ObjectId[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (!owners.length) return out;
    const rows = await TaskbookPhotos(app.db)
      .find({ ownerId: { $in: owners } }, { ownerId: 1, slot: 1 })
      .sort({ slot: 1 })
      .lean();
    for (const p of rows) out.set(String(p.ownerId), [...(out.get(String(p.ownerId)) ?? []), String(p._id)]);
    return out;
  },
};
