import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { insertManyKeyed, isDuplicateKey } from '../../db/model';
import { ResidentEntries, type RegistrationDoc, type ResidentEntryDoc } from './talks.model';

/**
 * A resident's sign-ups keyed by resident (`<residentId>:<n>`, n = 1, 2, …), so reading them is a handful of
 * `_id` lookups whatever the size of other residents' data. Numbers are taken in turn; a duplicate key means
 * someone took that number first, and the next is tried. This process remembers the next number it expects.
 */

const NEXT_CAP = 50_000;
const next = new Map<string, number>();

const entryId = (residentId: Types.ObjectId | string, n: number) => `${String(residentId)}:${n}`;

function expect(residentId: string, n: number): void {
  if (next.size >= NEXT_CAP) next.clear();
  next.set(residentId, n);
}

/** Record one entry per registration (one insert for the batch; a taken number moves that one along). */
export async function recordEntries(app: AppContext, regs: RegistrationDoc[]): Promise<void> {
  if (!regs.length) return;
  const coll = ResidentEntries(app.db).collection;
  const planned = new Map<string, number>();
  const docs: ResidentEntryDoc[] = regs.map((r) => {
    const rid = String(r.residentId);
    const n = planned.get(rid) ?? next.get(rid) ?? 1;
    planned.set(rid, n + 1);
    return { _id: entryId(rid, n), registrationId: r._id, talkId: r.talkId, createdAt: r.createdAt };
  });
  const taken = await insertManyKeyed(coll, docs);
  for (const [rid, n] of planned) expect(rid, n);
  for (const i of taken) {
    const d = docs[i]!;
    const rid = String(regs[i]!.residentId);
    for (let n = Math.max(Number(d._id.slice(rid.length + 1)) + 1, next.get(rid) ?? 1); ; n++) {
      try {
        await coll.insertOne({ ...d, _id: entryId(rid, n) } as never);
        expect(rid, n + 1);
        break;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
  }
}

/** Every entry of a resident, oldest first: read by `_id` in small parallel rounds until a number is missing. */
export async function readEntries(app: AppContext, residentId: Types.ObjectId): Promise<ResidentEntryDoc[]> {
  const coll = ResidentEntries(app.db).collection;
  const out: ResidentEntryDoc[] = [];
  const rid = String(residentId);
  const round = Math.max(2, Math.min(16, (next.get(rid) ?? 1) + 1));
  for (let from = 1; ; from += round) {
    const docs = await Promise.all(Array.from({ length: round }, (_, i) => coll.findOne({ _id: entryId(rid, from + i) } as never)));
    for (const d of docs) {
      if (!d) {
        expect(rid, out.length + 1);
        return out;
      }
      out.push(d as unknown as ResidentEntryDoc);
    }
  }
}
