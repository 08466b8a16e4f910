import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { insertManyKeyed, isDuplicateKey } from '../../db/model';
import { shanghaiDay } from '../../lib/shanghai';
import { Participations, QuizJobs, Submissions, type ParticipationDoc, type SubmissionDoc } from './quiz.model';

/** Quizzes that show how residents take part: the daily quiz and contests (topic and wrong-book practice do not). */
export const COUNTED_MODES: readonly string[] = ['daily', 'contest'];

const BACKFILL = 'participation-backfill';
const BATCH = 1000;

type Counted = Pick<SubmissionDoc, 'residentId' | 'mode' | 'areaPath' | 'submittedAt'>;

/** The participation a submission stands for, or null when its mode does not count. */
export function participationOf(s: Counted): ParticipationDoc | null {
  if (!COUNTED_MODES.includes(s.mode)) return null;
  const year = Number(shanghaiDay(s.submittedAt).slice(0, 4));
  const village = s.areaPath[s.areaPath.length - 1] ?? '';
  return { _id: `${year}:${String(s.residentId)}:${village}`, year, residentId: s.residentId, areaPath: s.areaPath, firstAt: s.submittedAt };
}

/**
 * Participation of submissions made before participations were recorded: streamed in batches, inserted
 * unordered (those already there are refused by their key), then marked done so later starts skip it.
 * Idempotent: run `again` (data loaded from elsewhere), it inserts only what is missing.
 */
export async function backfillParticipation(app: AppContext, opts: { again?: boolean } = {}): Promise<{ inserted: number } | null> {
  if (!opts.again && (await QuizJobs(app.db).exists({ _id: BACKFILL }))) return null;
  let inserted = 0;
  let batch = new Map<string, ParticipationDoc>();
  const flush = async () => {
    const docs = [...batch.values()];
    batch = new Map();
    inserted += docs.length - (await insertManyKeyed(Participations(app.db).collection, docs)).size;
  };
  const rows = Submissions(app.db).find({ mode: { $in: COUNTED_MODES } }, { residentId: 1, mode: 1, areaPath: 1, submittedAt: 1 }).lean().cursor({ batchSize: BATCH });
  for await (const s of rows) {
    const doc = participationOf(s);
    if (doc && !batch.has(doc._id)) batch.set(doc._id, doc);
    if (batch.size >= BATCH) await flush();
  }
  await flush();
  try {
    await QuizJobs(app.db).create({ _id: BACKFILL, at: app.clock.now(), count: inserted });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  app.logger.info({ event: 'quiz.participation.backfill', inserted }, 'quiz participation backfilled');
  return { inserted };
}

/** "Erase me": the resident's participations are re-keyed to the id their submissions now carry. */
export async function eraseParticipation(app: AppContext, residentId: Types.ObjectId, anonymous: Types.ObjectId): Promise<void> {
  const mine = await Participations(app.db).find({ residentId }).lean();
  if (!mine.length) return;
  await insertManyKeyed(Participations(app.db).collection, mine.map((p) => ({ ...p, _id: `${p.year}:${String(anonymous)}:${p._id.split(':').slice(2).join(':')}`, residentId: anonymous })));
  await Participations(app.db).deleteMany({ _id: { $in: mine.map((p) => p._id) } });
}
