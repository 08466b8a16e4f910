import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { duplicateKey, insertShared, isDuplicateKey } from '../../db/model';
import { AppError, validationError } from '../../http/errors';
import { shanghaiDay } from '../../lib/shanghai';
import { cachedContest } from './contest-cache';
import { recordParticipation } from './participation.service';
import { Contests, Submissions, type AttemptDoc, type ContestDoc, type ResultItem, type SubmissionDoc } from './quiz.model';
import { loadVersions } from './pool';
import { LETTERS, QUIZ } from './quiz.rules';
import { certificateFor, decidePoints, issueCertificate, pointsForSubmission } from './rewards.service';

export interface AnswerInput {
  questionId: string;
  /** Display letters as sent with the attempt. */
  choice: string[];
}

/** Every answer must refer to a question of this attempt, once, with letters it was shown. */
export function checkAnswers(a: AttemptDoc, answers: AnswerInput[], types: string[]): Map<string, string[]> {
  const byId = new Map(a.items.map((it, i) => [String(it.questionId), i]));
  const chosen = new Map<string, string[]>();
  answers.forEach((ans, n) => {
    const i = byId.get(ans.questionId);
    if (i === undefined) throw validationError(`answers.${n}.questionId`, '提交的题目不属于这次答题', { code: 'UNKNOWN_QUESTION' });
    if (chosen.has(ans.questionId)) throw validationError(`answers.${n}.questionId`, '同一道题提交了两次', { code: 'DUPLICATE_ANSWER' });
    const letters = LETTERS.slice(0, a.items[i]!.optionOrder.length) as readonly string[];
    if (ans.choice.some((c) => !letters.includes(c)) || new Set(ans.choice).size !== ans.choice.length) {
      throw validationError(`answers.${n}.choice`, '选项不正确', { code: 'INVALID_CHOICE' });
    }
    if (types[i] !== 'multi' && ans.choice.length > 1) throw validationError(`answers.${n}.choice`, '这道题只能选一个', { code: 'INVALID_CHOICE' });
    chosen.set(ans.questionId, ans.choice);
  });
  return chosen;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Score from the stored draw. The submission's `_id` is the attempt's, so inserting it is the single use: a
 * second or concurrent submit loses on the duplicate key, and a retry of the request that made it (same
 * Idempotency-Key) is answered from the submission; any other second submit is refused. The points are stored
 * on the submission; the certificate and the note for the worker follow the winning insert, each idempotent by
 * its own unique key.
 */
export async function submitAttempt(app: AppContext, a: AttemptDoc, answers: AnswerInput[], idempotencyKey?: string) {
  const versions = await loadVersions(app, a.items);
  const chosen = checkAnswers(
    a,
    answers,
    versions.map((v) => v.type),
  );
  const replay = async () => {
    const first = await getSubmission(app, a._id);
    if (!first) return null;
    if (idempotencyKey && first.idempotencyKey === idempotencyKey) return resultView(app, a, first);
    throw alreadySubmitted();
  };
  const now = app.clock.now();
  if (now.getTime() > a.deadline.getTime() + QUIZ.submitGraceMs) {
    const earlier = await replay();
    if (earlier) return earlier;
    throw new AppError('ATTEMPT_EXPIRED', 409, '答题时间已过，这次提交不能计分');
  }
  const results: ResultItem[] = a.items.map((item, i) => {
    const letters = chosen.get(String(item.questionId)) ?? [];
    const choice = letters.map((l) => item.optionOrder[LETTERS.indexOf(l as (typeof LETTERS)[number])]!);
    return { questionId: item.questionId, version: item.version, choice, correct: sameSet(choice, versions[i]!.answer) };
  });
  const correct = results.filter((r) => r.correct).length;
  const score = Math.round((correct * 100) / results.length);
  const contest = a.contestId ? await cachedContest(app, String(a.contestId)) : null;
  const durationMs = now.getTime() - a.createdAt.getTime();
  const sub: SubmissionDoc = {
    _id: a._id,
    residentId: a.residentId,
    mode: a.mode,
    day: shanghaiDay(now),
    areaPath: a.areaPath,
    results,
    correct,
    total: results.length,
    score,
    passed: score >= (contest?.passScore ?? QUIZ.practicePassScore),
    durationMs,
    tooFast: durationMs < results.length * QUIZ.minMsPerQuestion,
    submittedAt: now,
    ...(a.contestId ? { contestId: a.contestId } : {}),
    ...(a.villageCode ? { villageCode: a.villageCode } : {}),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
  try {
    // the points are decided with the single-use insert and stored on the submission: no write of their own
    await decidePoints(app, sub, async (points) => {
      sub.points = points;
      if (!(await insertShared(Submissions(app.db).collection, sub))) throw duplicateKey();
    });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const first = await replay();
    if (first) return first;
    throw alreadySubmitted();
  }
  // The wrong-answer book is read from the submissions' results; the figures, the participation and the board
  // are folded by the worker from one small insert (daily quiz and contests only).
  await recordParticipation(app, sub, a.boardName ? { name: a.boardName, at: a.createdAt } : undefined);
  // Flagged submissions earn nothing until staff look at them: a 2-second contest is not trusted.
  const certificateCode = !sub.tooFast && contest && sub.passed ? await issueCertificate(app, contest, sub) : null;
  return resultView(app, a, sub, { pointsEarned: sub.points ?? 0, certificateCode, contest });
}

const alreadySubmitted = () => new AppError('ALREADY_SUBMITTED', 409, '这次答题已经提交过了');

export async function getSubmission(app: AppContext, attemptId: Types.ObjectId): Promise<SubmissionDoc | null> {
  return Submissions(app.db).findById(attemptId).lean();
}

/** After submit: the score, and for each question the resident's choice, the answer and the explanation. */
export async function resultView(
  app: AppContext,
  a: AttemptDoc,
  s: SubmissionDoc,
  known?: { pointsEarned: number; certificateCode: string | null; contest: Pick<ContestDoc, 'title' | 'passScore'> | null },
) {
  const versions = await loadVersions(app, a.items);
  // Right after submitting, the caller already knows points, certificate and contest; later reads look them up.
  const contest = known ? known.contest : a.contestId ? await Contests(app.db).findById(a.contestId, { passScore: 1, title: 1 }).lean() : null;
  const cert = known || !a.contestId ? null : await certificateFor(app, a.contestId, a.residentId);
  const certificateCode = known ? known.certificateCode : cert && cert.submissionId.equals(s._id) ? cert.code : null;
  const letter = (order: string[], key: string) => LETTERS[order.indexOf(key)]!;
  return {
    attemptId: String(a._id),
    mode: a.mode,
    contestId: a.contestId ? String(a.contestId) : null,
    contestTitle: contest?.title ?? null,
    score: s.score,
    correct: s.correct,
    total: s.total,
    passScore: contest?.passScore ?? QUIZ.practicePassScore,
    passed: s.passed,
    tooFast: s.tooFast,
    durationMs: s.durationMs,
    submittedAt: s.submittedAt.toISOString(),
    pointsEarned: known ? known.pointsEarned : await pointsForSubmission(app, s),
    certificateCode,
    items: s.results.map((r, i) => {
      const v = versions[i]!;
      const order = a.items[i]!.optionOrder;
      return {
        questionId: String(r.questionId),
        type: v.type,
        stem: v.stem,
        options: order.map((key, pos) => ({ key: LETTERS[pos]!, text: v.options.find((o) => o.key === key)!.text })),
        yourChoice: r.choice.map((k) => letter(order, k)).sort(),
        answer: v.answer.map((k) => letter(order, k)).sort(),
        correct: r.correct,
        explanation: v.explanation,
        item: v.item ?? null,
        topics: v.topics,
      };
    }),
  };
}
