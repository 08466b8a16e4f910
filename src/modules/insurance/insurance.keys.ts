import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { EnrolmentKeys, Enrolments } from './insurance.model';

/** Purpose of the ID-number blind index (insured persons and the one-active-enrolment keys). */
export const ID_INDEX = 'idcard';

/**
 * After a blind-index key change: move each one-active-enrolment key to the index under the new key. The new key
 * document is inserted before the old one is deleted, so the person stays held throughout; a new key already held
 * by another enrolment is a conflict, reported and left for staff.
 */
export async function rebuildEnrolmentKeys(app: AppContext): Promise<{ updated: number; conflicts: number }> {
  let updated = 0;
  let conflicts = 0;
  for await (const key of EnrolmentKeys(app.db).find({}).lean().cursor()) {
    const e = await Enrolments(app.db).findById(key.enrolmentId, { insured: 1 }).lean();
    for (const p of e?.insured ?? []) {
      if (!p.idCardEnc) continue;
      const plain = app.pii.open(p.idCardEnc);
      const fresh = app.pii.blindIndex(ID_INDEX, plain);
      if (fresh === key.idIndex) break;
      if (app.pii.oldBlindIndex(ID_INDEX, plain) !== key.idIndex) continue;
      try {
        await EnrolmentKeys(app.db).create({ productId: key.productId, idIndex: fresh, enrolmentId: key.enrolmentId, createdAt: key.createdAt });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const holder = await EnrolmentKeys(app.db).findOne({ productId: key.productId, idIndex: fresh }).lean();
        if (!holder?.enrolmentId.equals(key.enrolmentId)) {
          conflicts++;
          break;
        }
      }
      await EnrolmentKeys(app.db).deleteOne({ _id: key._id });
      updated++;
      break;
    }
  }
  return { updated, conflicts };
}
