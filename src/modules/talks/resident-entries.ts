import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { collectionOf } from '../../db/coordination';
import { insertManyKeyed, isDuplicateKey } from '../../db/model';
import { Registrations, ResidentEntries, TalkJobs, type RegistrationDoc, type ResidentEntryDoc } from './talks.model';

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
  const coll = collectionOf(ResidentEntries(app.db));
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
        await coll.insertOne({ ...d, _id: entryId(rid, n) });
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
  const coll = collectionOf(ResidentEntries(app.db));
  const out: ResidentEntryDoc[] = [];
  const rid = String(residentId);
  const round = Math.max(2, Math.min(16, (next.get(rid) ?? 1) + 1));
  for (let from = 1; ; from += round) {
    const docs = await Promise.all(Array.from({ length: round }, (_, i) => coll.findOne({ _id: entryId(rid, from + i) })));
    for (const d of docs) {
      if (!d) {
        expect(rid, out.length + 1);
        return out;
      }
      out.push(d as unknown as ResidentEntryDoc);
    }
  }
}

const BACKFILL = 'resident-entries-backfill';

/**
 * Entries of registrations made before entries were kept: every registration without one gets one, numbered
 * after the resident's existing entries; then the job is marked done so later starts skip it. Idempotent and
 * safe beside live sign-ups (a number taken meanwhile moves the backfilled entry along). `again` reruns it.
 */
export async function backfillResidentEntries(app: AppContext, opts: { again?: boolean } = {}): Promise<{ inserted: number } | null> {
  if (!opts.again && (await TalkJobs(app.db).exists({ _id: BACKFILL }))) return null;
  const have = new Set<string>();
  for await (const e of ResidentEntries(app.db).find({}, { _id: 1, registrationId: 1 }).lean().cursor({ batchSize: 5_000 })) {
    have.add(String(e.registrationId));
    const [rid, n] = [e._id.slice(0, e._id.lastIndexOf(':')), Number(e._id.slice(e._id.lastIndexOf(':') + 1))];
    if ((next.get(rid) ?? 1) <= n) expect(rid, n + 1);
  }
  let inserted = 0;
  let batch: RegistrationDoc[] = [];
  const flush = async () => {
    await recordEntries(app, batch);
    inserted += batch.length;
    batch = [];
  };
  for await (const r of Registrations(app.db)
    .find({}, { _id: 1, talkId: 1, residentId: 1, createdAt: 1 })
    .sort({ _id: 1 })
    .lean()
    .cursor({ batchSize: 5_000 })) {
    if (have.has(String(r._id))) continue;
    batch.push(r as RegistrationDoc);
    if (batch.length >= 1_000) await flush();
  }
  if (batch.length) await flush();
  await collectionOf(TalkJobs(app.db))
    .insertOne({ _id: BACKFILL, at: app.clock.now(), count: inserted })
    .catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
    });
  if (inserted) app.logger.info({ event: 'talks.entries_backfilled', inserted }, 'resident entries added for earlier registrations');
  return { inserted };
}
