import crypto from 'node:crypto';
import type DataLoader from 'dataloader';
import { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { collectionOf } from '../../db/coordination';
import { LRUCache } from 'lru-cache';
import { isDuplicateKey } from '../../db/model';
import { coalescing } from '../../lib/batch';
import { notFound } from '../../http/errors';
import { shanghaiDay } from '../../lib/shanghai';
import { maskName } from '../../lib/pii';
import { residentById } from '../residents';
import { Certificates, Contests, PointsLedger, Submissions, type CertificateDoc, type ContestDoc, type SubmissionDoc } from './quiz.model';
import { QUIZ } from './quiz.rules';

const CAP_UNITS = Math.floor(QUIZ.dailyPointsCap / QUIZ.pointsPerCorrect);

/** Points a submission asks for: its correct answers, daily quiz and contests only, never when too fast. */
export const pointsWanted = (s: Pick<SubmissionDoc, 'mode' | 'tooFast' | 'correct'>): number =>
  !s.tooFast && (s.mode === 'daily' || s.mode === 'contest') ? Math.min(s.correct, CAP_UNITS) * QUIZ.pointsPerCorrect : 0;

/**
 * Per resident and Shanghai day in this process: the points given so far, and the chain that runs this
 * resident's scored submissions one after another, so two at once cannot both take the day's last points.
 */
const days = new LRUCache<string, { used?: number; chain: Promise<unknown> }>({ max: 50_000 });

/**
 * Points the resident's submissions of the day hold already (older ledger slots are counted when read). The
 * reads of concurrent submits share one command: in a rush most submits are a resident's first of the day.
 */
const dayReaders = new WeakMap<object, DataLoader<string, number>>();
function pointsOfDay(app: AppContext, residentId: Types.ObjectId, day: string): Promise<number> {
  let l = dayReaders.get(app.db);
  if (!l) {
    const coll = Submissions(app.db).collection;
    dayReaders.set(
      app.db,
      (l = coalescing<string, number>(async (keys) => {
        const asked = keys.map((k) => k.split(':') as [string, string]);
        const residentIds = [...new Set(asked.map(([r]) => r))].map((r) => new Types.ObjectId(r));
        const dayList = [...new Set(asked.map(([, d]) => d))];
        // Study points (articles read or heard to the end) are ledger entries of the same day and share its cap.
        const study = await PointsLedger(app.db)
          .find({ residentId: { $in: residentIds }, day: { $in: dayList } }, { residentId: 1, day: 1, points: 1 })
          .lean();
        const rows = await coll
          .find(
            {
              residentId: { $in: residentIds },
              day: { $in: dayList },
              points: { $gt: 0 },
            },
            { projection: { residentId: 1, day: 1, points: 1 } },
          )
          .toArray();
        const sum = new Map<string, number>();
        for (const r of study) sum.set(`${String(r.residentId)}:${r.day}`, (sum.get(`${String(r.residentId)}:${r.day}`) ?? 0) + r.points);
        for (const r of rows)
          sum.set(
            `${String(r.residentId)}:${r.day as string}`,
            (sum.get(`${String(r.residentId)}:${r.day as string}`) ?? 0) + ((r.points as number | undefined) ?? 0),
          );
        return keys.map((k) => sum.get(k) ?? 0);
      })),
    );
  }
  return l.load(`${String(residentId)}:${day}`);
}

/**
 * Decide the submission's points within the daily cap and store them with it: `insert(points)` is the
 * submission's own single-use insert, so points cost no write of their own. Scored submissions of a resident
 * are decided one at a time in this process (the first of a day reads what the day holds already); the day
 * totals are capped again when read, so even submissions decided at once in two processes never pass the cap.
 */
export async function decidePoints<T>(
  app: AppContext,
  sub: Pick<SubmissionDoc, 'residentId' | 'day' | 'mode' | 'tooFast' | 'correct'>,
  insert: (points: number) => Promise<T>,
): Promise<T> {
  const wanted = pointsWanted(sub);
  if (!wanted) return insert(0);
  const key = `${app.db.name}:${String(sub.residentId)}:${sub.day}`;
  let day = days.get(key);
  if (!day) days.set(key, (day = { chain: Promise.resolve() }));
  const d = day;
  const run = d.chain.then(async () => {
    d.used ??= await pointsOfDay(app, sub.residentId, sub.day);
    const points = Math.max(0, Math.min(wanted, QUIZ.dailyPointsCap - d.used));
    const out = await insert(points); // a refused insert gives nothing
    d.used += points;
    return out;
  });
  d.chain = run.catch(() => undefined);
  return run;
}

/**
 * Points for studying (an article read or heard to the end), under the same daily cap as the quiz: decided in
 * the resident's chain of the day like a submission, written as one ledger entry whose `_id` (`source`) makes
 * it once per source. Returns the points given: 0 when the day's cap is reached or the source was paid before.
 */
export async function awardStudyPoints(app: AppContext, residentId: Types.ObjectId, source: string, wanted: number): Promise<number> {
  const day = shanghaiDay(app.clock.now());
  const key = `${app.db.name}:${String(residentId)}:${day}`;
  let entry = days.get(key);
  if (!entry) days.set(key, (entry = { chain: Promise.resolve() }));
  const d = entry;
  const run = d.chain.then(async () => {
    d.used ??= await pointsOfDay(app, residentId, day);
    const points = Math.max(0, Math.min(wanted, QUIZ.dailyPointsCap - d.used));
    try {
      await PointsLedger(app.db).create({ _id: `study:${String(residentId)}:${source}`, residentId, day, points, source, at: app.clock.now() });
    } catch (err) {
      if (isDuplicateKey(err)) return 0;
      throw err;
    }
    d.used += points;
    return points;
  });
  d.chain = run.catch(() => undefined);
  return run;
}

/** Points a submission earned: stored on it, or (older submissions) in its day's ledger slots. */
export async function pointsForSubmission(app: AppContext, sub: Pick<SubmissionDoc, '_id' | 'residentId' | 'day' | 'points'>): Promise<number> {
  if (sub.points !== undefined) return sub.points;
  const ids = Array.from({ length: CAP_UNITS }, (_, i) => `${String(sub.residentId)}:${sub.day}:${i + 1}`);
  const rows = await Promise.all(ids.map((id) => PointsLedger(app.db).findById(id, { points: 1, source: 1 }).lean()));
  return rows.reduce((s, r) => s + (r && r.source === `attempt:${String(sub._id)}` ? r.points : 0), 0);
}

/** Today's and all points: per day the submissions' points and older ledger slots, each day within the cap. */
export async function pointsSummary(app: AppContext, residentId: Types.ObjectId) {
  const day = shanghaiDay(app.clock.now());
  const [ledger, subs] = await Promise.all([
    PointsLedger(app.db).aggregate<{ _id: string; s: number }>([{ $match: { residentId } }, { $group: { _id: '$day', s: { $sum: '$points' } } }]),
    Submissions(app.db).aggregate<{ _id: string; s: number }>([
      { $match: { residentId, points: { $gt: 0 } } },
      { $group: { _id: '$day', s: { $sum: '$points' } } },
    ]),
  ]);
  const byDay = new Map<string, number>();
  for (const r of [...ledger, ...subs]) byDay.set(r._id, (byDay.get(r._id) ?? 0) + r.s);
  let total = 0;
  for (const s of byDay.values()) total += Math.min(s, QUIZ.dailyPointsCap);
  return { total, today: Math.min(byDay.get(day) ?? 0, QUIZ.dailyPointsCap), dailyCap: QUIZ.dailyPointsCap };
}

// No 0/O/1/I/L: the code is read aloud and typed by hand.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const newCode = () => Array.from(crypto.randomBytes(10), (b) => ALPHABET[b % ALPHABET.length]).join('');

/** The first passing submission of a contest earns the certificate; `_id` per (contest, resident) keeps it one. */
/** Returns the new certificate's code, or null when an earlier pass already has one. */
export async function issueCertificate(app: AppContext, contest: ContestDoc, sub: SubmissionDoc): Promise<string | null> {
  const _id = `${String(contest._id)}:${String(sub.residentId)}`;
  for (let i = 0; i < 3; i++) {
    const code = newCode();
    try {
      await collectionOf(Certificates(app.db)).insertOne({
        _id,
        code,
        contestId: contest._id,
        residentId: sub.residentId,
        submissionId: sub._id,
        score: sub.score,
        issuedAt: sub.submittedAt,
      });
      return code;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      if (await Certificates(app.db).exists({ _id })) return null;
    }
  }
  return null;
}

export async function certificateFor(app: AppContext, contestId: Types.ObjectId, residentId: Types.ObjectId): Promise<CertificateDoc | null> {
  return Certificates(app.db)
    .findById(`${String(contestId)}:${String(residentId)}`)
    .lean();
}

/** The public verification masks the name; the owner sees their own name on their own certificate. */
async function certificateView(app: AppContext, c: CertificateDoc, forOwner = false) {
  const [resident, contest] = await Promise.all([residentById(app, c.residentId, ['nameEnc']), Contests(app.db).findById(c.contestId, { title: 1 }).lean()]);
  return {
    code: c.code,
    name: resident?.nameEnc ? (forOwner ? app.pii.open(resident.nameEnc) : maskName(app.pii.open(resident.nameEnc))) : '居民',
    contestTitle: contest?.title ?? '',
    score: c.score,
    issuedOn: shanghaiDay(c.issuedAt),
  };
}

/** Public: anyone holding the code can check the certificate; the name is masked. */
export async function verifyCertificate(app: AppContext, code: string) {
  const c = await Certificates(app.db).findOne({ code: code.toUpperCase() }).lean();
  if (!c) throw notFound('证书');
  return certificateView(app, c);
}

export async function myCertificates(app: AppContext, residentId: Types.ObjectId) {
  const rows = await Certificates(app.db).find({ residentId }).sort({ issuedAt: -1 }).limit(100).lean();
  return { items: await Promise.all(rows.map((c) => certificateView(app, c, true))) };
}
