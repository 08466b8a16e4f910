import { ObjectId, z } from '../../http/zod';
import { LETTERS } from './quiz.rules';

export const IdParams = z.object({ id: ObjectId }).strict();

const ShownQuestion = z.object({
  id: z.string(),
  type: z.enum(['single', 'multi', 'judge']),
  stem: z.string(),
  options: z.array(z.object({ key: z.string(), text: z.string() })),
});

/** What the phone gets before submit: no answers, no explanations. */
export const AttemptResponse = z
  .object({
    id: z.string(),
    mode: z.enum(['daily', 'contest', 'topic', 'wrongbook']),
    contestId: z.string().nullable(),
    contestTitle: z.string().nullable(),
    topic: z.string().nullable(),
    createdAt: z.string(),
    deadline: z.string(),
    serverNow: z.string(),
    questions: z.array(ShownQuestion),
  })
  .openapi('QuizAttempt');

export const ResultResponse = z
  .object({
    attemptId: z.string(),
    mode: z.string(),
    contestId: z.string().nullable(),
    contestTitle: z.string().nullable(),
    score: z.number(),
    correct: z.number(),
    total: z.number(),
    passScore: z.number(),
    passed: z.boolean(),
    tooFast: z.boolean(),
    durationMs: z.number(),
    submittedAt: z.string(),
    pointsEarned: z.number(),
    certificateCode: z.string().nullable(),
    items: z.array(ShownQuestion.omit({ id: true }).extend({ questionId: z.string(), yourChoice: z.array(z.string()), answer: z.array(z.string()), correct: z.boolean(), explanation: z.string() })),
  })
  .openapi('QuizResult');

export const DailyResponse = z.object({ attempt: AttemptResponse, result: ResultResponse.nullable() }).openapi('QuizDaily');

export const SubmitBody = z
  .object({
    answers: z
      .array(z.object({ questionId: ObjectId, choice: z.array(z.enum(LETTERS)).max(6) }).strict())
      .max(100, '答案太多'),
  })
  .strict()
  .openapi('QuizSubmit');

export const PracticeBody = z
  .object({
    topic: z.string().trim().min(1).max(40).optional(),
    wrongBook: z.boolean().optional(),
    count: z.number().int().min(1).max(20).optional(),
  })
  .strict()
  .openapi('QuizPractice');

export const LeaderboardQuery = z.object({ scope: z.enum(['village', 'town', 'district']).default('village') }).strict();

const DrawRule = z.object({ tags: z.array(z.string().trim().min(1).max(40)).max(10).default([]), difficulty: z.number().int().min(1).max(3).optional(), count: z.number().int().min(1).max(50) }).strict();

export const ContestBody = z
  .object({
    kind: z.enum(['contest', 'assessment']).default('contest'),
    title: z.string().trim().min(2, '请填写标题').max(60),
    description: z.string().trim().max(500).optional(),
    startAt: z.string().datetime({ offset: true }),
    endAt: z.string().datetime({ offset: true }),
    areaCode: z.string().min(1).max(40),
    // Required for a contest, refused for an assessment (the standard paper); checked by the service.
    drawRules: z.array(DrawRule).max(10).refine((rs) => rs.reduce((s, r) => s + r.count, 0) <= 100, '一次最多 100 题').optional(),
    timeLimitSec: z.number().int().min(60).max(7200),
    attemptsPerDay: z.number().int().min(1).max(20).optional(),
    attemptsTotal: z.number().int().min(1).max(100).optional(),
    passScore: z.number().int().min(0).max(100).optional(),
    /** Hold the contest's questions back from practice and the daily quiz until the round closes (assessments always do). */
    reserveQuestions: z.boolean().optional(),
  })
  .strict()
  .openapi('QuizContestInput');

export const ContestPatch = ContestBody.partial().strict().openapi('QuizContestPatch');
export const ExportQuery = z.object({ format: z.enum(['json', 'csv', 'xlsx']).default('json') }).strict();
