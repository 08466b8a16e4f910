import crypto from 'node:crypto';
import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { insertManyKeyed, isDuplicateKey } from '../../db/model';
import { notFound } from '../../http/errors';
import { shanghaiDay } from '../../lib/shanghai';
import { maskName } from '../../lib/pii';
import { residentById } from '../residents';
import { Certificates, Contests, PointsLedger, type CertificateDoc, type ContestDoc, type SubmissionDoc } from './quiz.model';
import { QUIZ } from './quiz.rules';

const CAP_UNITS = Math.floor(QUIZ.dailyPointsCap / QUIZ.pointsPerCorrect);

/**
 * Points for correct answers, within the daily cap. Each unit of points is a slot `<resident>:<day>:<n>` with
 * n ≤ cap units, so two submissions at once cannot pass the cap: the loser of a slot takes the next one.
 */
export async function awardPoints(app: AppContext, sub: SubmissionDoc): Promise<number> {
  const wanted = Math.min(sub.correct, CAP_UNITS);
  const rid = String(sub.residentId);
  let got = 0;
  // Slots are tried in one insertMany per round (the numbers still free as far as we know); lost ones are
  // retried with the next numbers. All by `_id`, so it is cheap on every server.
  for (let n = 1; got < wanted && n <= CAP_UNITS; ) {
    const ns = Array.from({ length: Math.min(wanted - got, CAP_UNITS - n + 1) }, (_, i) => n + i);
    const docs = ns.map((k) => ({ _id: `${rid}:${sub.day}:${k}`, residentId: sub.residentId, day: sub.day, points: QUIZ.pointsPerCorrect, source: `attempt:${String(sub._id)}`, at: sub.submittedAt }));
    const lost = (await insertManyKeyed(PointsLedger(app.db), docs)).size;
    got += ns.length - lost;
    n += ns.length;
  }
  return got * QUIZ.pointsPerCorrect;
}

/** Points a submission earned: its day has at most CAP_UNITS ledger slots, each looked up by `_id`. */
export async function pointsForSubmission(app: AppContext, sub: Pick<SubmissionDoc, '_id' | 'residentId' | 'day'>): Promise<number> {
  const ids = Array.from({ length: CAP_UNITS }, (_, i) => `${String(sub.residentId)}:${sub.day}:${i + 1}`);
  const rows = await Promise.all(ids.map((id) => PointsLedger(app.db).findById(id, { points: 1, source: 1 }).lean()));
  return rows.reduce((s, r) => s + (r && r.source === `attempt:${String(sub._id)}` ? r.points : 0), 0);
}

export async function pointsSummary(app: AppContext, residentId: Types.ObjectId) {
  const day = shanghaiDay(app.clock.now());
  const [total] = await PointsLedger(app.db).aggregate<{ s: number }>([{ $match: { residentId } }, { $group: { _id: null, s: { $sum: '$points' } } }]);
  const [today] = await PointsLedger(app.db).aggregate<{ s: number }>([{ $match: { residentId, day } }, { $group: { _id: null, s: { $sum: '$points' } } }]);
  return { total: total?.s ?? 0, today: today?.s ?? 0, dailyCap: QUIZ.dailyPointsCap };
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
      await Certificates(app.db).create({ _id, code, contestId: contest._id, residentId: sub.residentId, submissionId: sub._id, score: sub.score, issuedAt: sub.submittedAt });
      return code;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      if (await Certificates(app.db).exists({ _id })) return null;
    }
  }
  return null;
}

export async function certificateFor(app: AppContext, contestId: Types.ObjectId, residentId: Types.ObjectId): Promise<CertificateDoc | null> {
  return Certificates(app.db).findById(`${String(contestId)}:${String(residentId)}`).lean();
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
