import Papa from 'papaparse';
import { Types } from 'mongoose';
import type { Caller, StaffPrincipal } from '../../access';
import type { AppContext } from '../../context';
import { isDuplicateKey } from '../../db/model';
import { AppError, notFound } from '../../http/errors';
import { maskName } from '../../lib/pii';
import { areaNames } from '../areas';
import { residentsByIds } from '../residents';
import { toXlsx } from './bank-admin.service';
import { Attempts, FlagReviews, Questions, Submissions } from './quiz.model';
import { managedContest, visibleContest } from './contests.service';
import { noteCleared } from './leaderboard-intake';
import { recordCleared } from './participation.service';
import { issueCertificate } from './rewards.service';

/** Per contest, within the staff member's area: who took part and passed by village, scores, hard questions. */
export async function contestStats(app: AppContext, staff: StaffPrincipal, contestId: string) {
  const c = await visibleContest(app, staff, contestId);
  const match = { contestId: c._id, areaPath: staff.areaCode };
  const [byResident, byScore, byQuestion, attempts, flagged] = await Promise.all([
    Submissions(app.db).aggregate<{ _id: { v?: string; r: Types.ObjectId; p: boolean }; n: number }>([
      { $match: match },
      { $group: { _id: { v: '$villageCode', r: '$residentId', p: '$passed' }, n: { $sum: 1 } } },
    ]),
    Submissions(app.db).aggregate<{ _id: number; n: number }>([{ $match: match }, { $group: { _id: '$score', n: { $sum: 1 } } }]),
    Submissions(app.db).aggregate<{ _id: { q: Types.ObjectId; c: boolean }; n: number }>([
      { $match: match },
      { $unwind: '$results' },
      { $group: { _id: { q: '$results.questionId', c: '$results.correct' }, n: { $sum: 1 } } },
    ]),
    Attempts(app.db).countDocuments({ contestId: c._id, areaPath: staff.areaCode }),
    Submissions(app.db).countDocuments({ ...match, tooFast: true }),
  ]);
  const villages = new Map<string, { participants: Set<string>; passed: Set<string>; submissions: number }>();
  for (const g of byResident) {
    const v = villages.get(g._id.v ?? '') ?? { participants: new Set(), passed: new Set(), submissions: 0 };
    v.participants.add(String(g._id.r));
    if (g._id.p) v.passed.add(String(g._id.r));
    v.submissions += g.n;
    villages.set(g._id.v ?? '', v);
  }
  const names = await areaNames(app, [...villages.keys()]);
  const byArea = [...villages]
    .map(([code, v]) => ({
      villageCode: code,
      villageName: names.get(code) ?? '',
      participants: v.participants.size,
      passed: v.passed.size,
      passRate: v.participants.size ? Math.round((v.passed.size / v.participants.size) * 1000) / 1000 : 0,
      submissions: v.submissions,
    }))
    .sort((a, b) => b.participants - a.participants || a.villageCode.localeCompare(b.villageCode));
  const buckets = Array.from({ length: 10 }, (_, i) => ({ range: i === 9 ? '90-100' : `${i * 10}-${i * 10 + 9}`, count: 0 }));
  for (const s of byScore) buckets[Math.min(9, Math.floor(s._id / 10))]!.count += s.n;
  const perQ = new Map<string, { right: number; total: number }>();
  for (const g of byQuestion) {
    const q = perQ.get(String(g._id.q)) ?? { right: 0, total: 0 };
    q.total += g.n;
    if (g._id.c) q.right += g.n;
    perQ.set(String(g._id.q), q);
  }
  const stems = new Map(
    (
      await Questions(app.db)
        .find({ _id: { $in: [...perQ.keys()] } }, { key: 1, stem: 1 })
        .lean()
    ).map((q) => [String(q._id), q]),
  );
  const questions = [...perQ]
    .map(([id, q]) => ({
      questionId: id,
      key: stems.get(id)?.key ?? '',
      stem: stems.get(id)?.stem ?? '',
      answered: q.total,
      correctRate: Math.round((q.right / q.total) * 1000) / 1000,
    }))
    .sort((a, b) => a.correctRate - b.correctRate);
  const participants = byArea.reduce((s, v) => s + v.participants, 0);
  const passed = byArea.reduce((s, v) => s + v.passed, 0);
  return {
    contestId: String(c._id),
    title: c.title,
    areaCode: staff.areaCode,
    attempts,
    submissions: byArea.reduce((s, v) => s + v.submissions, 0),
    participants,
    passed,
    passRate: participants ? Math.round((passed / participants) * 1000) / 1000 : 0,
    tooFast: flagged,
    byArea,
    scoreDistribution: buckets,
    questions,
  };
}

export async function exportContestStats(app: AppContext, caller: Caller, contestId: string, format: 'csv' | 'xlsx' | 'json') {
  const s = await contestStats(app, caller.staff, contestId);
  await caller.audit('quiz.contest.stats_export', { type: 'quiz-contest', id: s.contestId }, { format, areaCode: caller.staff.areaCode });
  if (format === 'json') return { body: JSON.stringify(s), contentType: 'application/json; charset=utf-8', filename: 'contest-stats.json' };
  const areaCols = ['villageCode', 'villageName', 'participants', 'passed', 'passRate', 'submissions'];
  const qCols = ['key', 'stem', 'answered', 'correctRate'];
  if (format === 'csv') {
    const body = '\uFEFF' + Papa.unparse(s.byArea, { columns: areaCols }) + '\r\n\r\n' + Papa.unparse(s.questions, { columns: qCols });
    return { body, contentType: 'text/csv; charset=utf-8', filename: 'contest-stats.csv' };
  }
  return {
    body: await toXlsx('参与情况', areaCols, s.byArea),
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    filename: 'contest-stats.xlsx',
  };
}

/** Submissions flagged as implausibly fast, for staff to look at (names masked), with any decision taken. */
export async function flaggedSubmissions(app: AppContext, staff: StaffPrincipal, contestId: string, q: { status?: 'pending' | 'cleared' | 'confirmed' } = {}) {
  const c = await visibleContest(app, staff, contestId);
  const rows = await Submissions(app.db).find({ contestId: c._id, tooFast: true, areaPath: staff.areaCode }).sort({ submittedAt: -1 }).limit(500).lean();
  const reviews = new Map(
    (
      await FlagReviews(app.db)
        .find({ _id: { $in: rows.map((r) => String(r._id)) } })
        .lean()
    ).map((r) => [r._id, r]),
  );
  const shown = rows.filter((r) => !q.status || (reviews.get(String(r._id))?.decision ?? 'pending') === q.status).slice(0, 200);
  const people = new Map(
    (
      await residentsByIds(
        app,
        shown.map((r) => r.residentId),
        ['nameEnc'],
      )
    ).map((r) => [String(r._id), r]),
  );
  const villages = await areaNames(app, [...new Set(shown.flatMap((r) => (r.villageCode ? [r.villageCode] : [])))]);
  return {
    items: shown.map((r) => {
      const p = people.get(String(r.residentId));
      const review = reviews.get(String(r._id));
      return {
        attemptId: String(r._id),
        name: p?.nameEnc ? maskName(app.pii.open(p.nameEnc)) : '居民',
        villageCode: r.villageCode ?? null,
        villageName: r.villageCode ? (villages.get(r.villageCode) ?? null) : null,
        score: r.score,
        durationMs: r.durationMs,
        total: r.total,
        submittedAt: r.submittedAt.toISOString(),
        review: review ? { decision: review.decision, staffName: review.staffName, at: review.at.toISOString() } : null,
      };
    }),
  };
}

/**
 * Clear or confirm a too-fast submission, once (the review's `_id` is the attempt id). A cleared submission
 * counts on the leaderboard and, if it passed, earns the certificate it was held back from.
 */
export async function reviewFlagged(app: AppContext, caller: Caller, contestId: string, attemptId: string, decision: 'cleared' | 'confirmed') {
  const c = await managedContest(app, caller.staff, contestId);
  const sub = Types.ObjectId.isValid(attemptId) ? await Submissions(app.db).findById(attemptId).lean() : null;
  if (!sub || !sub.tooFast || String(sub.contestId) !== String(c._id) || !sub.areaPath.includes(caller.staff.areaCode)) throw notFound('答题记录');
  try {
    await FlagReviews(app.db).create({
      _id: String(sub._id),
      contestId: c._id,
      decision,
      staffId: caller.staff.id,
      staffName: caller.actor.name ?? caller.staff.id,
      at: app.clock.now(),
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('FLAG_REVIEWED', 409, '这条记录已经处理过了，请刷新');
    throw err;
  }
  let certificateCode: string | null = null;
  if (decision === 'cleared') {
    await Submissions(app.db).updateOne({ _id: sub._id }, { $set: { flagCleared: true } });
    await noteCleared(app, { ...sub, flagCleared: true }); // a cleared submission counts on the board
    if (c.kind === 'assessment') await recordCleared(app, sub); // and in its literacy round
    if (sub.passed) certificateCode = await issueCertificate(app, c, sub);
  }
  await caller.audit(
    decision === 'cleared' ? 'quiz.flag.clear' : 'quiz.flag.confirm',
    { type: 'quiz-submission', id: String(sub._id) },
    { contestId: String(c._id) },
  );
  return { attemptId: String(sub._id), decision, certificateCode };
}
