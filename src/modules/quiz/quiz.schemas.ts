import { IsoDateTime, ObjectId, z } from '../../http/zod';
import { contestState } from '../../dictionaries';
import { PageQuery } from '../../lib/pagination';
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
    items: z.array(
      ShownQuestion.omit({ id: true }).extend({
        questionId: z.string(),
        yourChoice: z.array(z.string()),
        answer: z.array(z.string()),
        correct: z.boolean(),
        explanation: z.string(),
        /** The health-literacy item (1–66) and topics of the question: the article that explains it. */
        item: z.number().int().nullable(),
        topics: z.array(z.string()),
      }),
    ),
  })
  .openapi('QuizResult');

export const DailyResponse = z.object({ attempt: AttemptResponse, result: ResultResponse.nullable() }).openapi('QuizDaily');

export const SubmitBody = z
  .object({
    answers: z.array(z.object({ questionId: ObjectId, choice: z.array(z.enum(LETTERS)).max(6) }).strict()).max(100, '答案太多'),
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

const DrawRule = z
  .object({
    tags: z.array(z.string().trim().min(1).max(40)).max(10).default([]),
    difficulty: z.number().int().min(1).max(3).optional(),
    count: z.number().int().min(1).max(50),
  })
  .strict();

export const ContestBody = z
  .object({
    kind: z.enum(['contest', 'assessment']).default('contest'),
    title: z.string().trim().min(2, '请填写标题').max(60),
    description: z.string().trim().max(500).optional(),
    startAt: z.string().datetime({ offset: true }),
    endAt: z.string().datetime({ offset: true }),
    areaCode: z.string().min(1).max(40),
    // Required for a contest, refused for an assessment (the standard paper); checked by the service.
    drawRules: z
      .array(DrawRule)
      .max(10)
      .refine((rs) => rs.reduce((s, r) => s + r.count, 0) <= 100, '一次最多 100 题')
      .optional(),
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

// ---- replies ----

const QuestionType = z.enum(['single', 'multi', 'judge']);
const Option = z.object({ key: z.string(), text: z.string() });
const ContestStatus = z.enum(['draft', 'published', 'closed']);

export const Topics = z.object({ items: z.array(z.object({ tag: z.string(), label: z.string(), count: z.number().int() })) });

export const ContestView = z
  .object({
    id: z.string(),
    /** `assessment`: the standard 66-item health-literacy paper, one timed attempt. */
    kind: z.enum(['contest', 'assessment']),
    title: z.string(),
    description: z.string(),
    startAt: IsoDateTime,
    endAt: IsoDateTime,
    areaCode: z.string(),
    questionCount: z.number().int(),
    drawRules: z.array(z.object({ tags: z.array(z.string()), difficulty: z.number().int().optional(), count: z.number().int() })),
    timeLimitSec: z.number().int(),
    attemptsPerDay: z.number().int(),
    attemptsTotal: z.number().int(),
    passScore: z.number().int(),
    /** Questions of this round are held back from practice while it is open. */
    reserveQuestions: z.boolean(),
    status: ContestStatus,
  })
  .openapi('QuizContest');

export const ResidentContestList = z.object({
  items: z.array(
    ContestView.extend({
      state: contestState.schema,
      attemptsUsed: z.number().int(),
      certificateCode: z.string().nullable(),
      /** An attempt of this contest the resident left unsubmitted, to resume. */
      openAttemptId: z.string().nullable(),
    }).openapi('QuizContestForResident'),
  ),
});

export const WrongBook = z
  .object({
    count: z.number().int(),
    items: z.array(
      z.object({
        questionId: z.string(),
        type: QuestionType,
        stem: z.string(),
        options: z.array(Option),
        answer: z.array(z.string()),
        explanation: z.string(),
        /** The health-literacy item (1–66) and topics the question is tagged with: the article that explains it. */
        item: z.number().int().nullable(),
        topics: z.array(z.string()),
        wrongCount: z.number().int(),
        lastWrongAt: IsoDateTime,
      }),
    ),
  })
  .openapi('QuizWrongBook');

export const Points = z.object({ total: z.number().int(), today: z.number().int(), dailyCap: z.number().int() }).openapi('QuizPoints');

/** A certificate as anyone may see it: the holder's name masked. */
export const Certificate = z
  .object({ code: z.string(), name: z.string(), contestTitle: z.string(), score: z.number(), issuedOn: z.string() })
  .openapi('QuizCertificate');
export const CertificateList = z.object({ items: z.array(Certificate) });

export const Leaderboard = z
  .object({
    scope: z.enum(['village', 'town', 'district']),
    computedAt: IsoDateTime,
    participants: z.number().int(),
    entries: z.array(
      z.object({ rank: z.number().int(), name: z.string(), villageCode: z.string(), score: z.number(), durationSec: z.number().int(), me: z.boolean() }),
    ),
    me: z.object({ rank: z.number().int(), score: z.number() }).nullable(),
    villages: z.array(
      z.object({
        rank: z.number().int(),
        code: z.string(),
        name: z.string(),
        participants: z.number().int(),
        registered: z.number().int(),
        participation: z.number(),
        avgScore: z.number(),
      }),
    ),
  })
  .openapi('QuizLeaderboard');

/** A question with its answer, for staff managing the bank. */
export const QuestionView = z
  .object({
    id: z.string(),
    key: z.string(),
    version: z.number().int(),
    active: z.boolean(),
    type: QuestionType,
    stem: z.string(),
    options: z.array(Option),
    answer: z.array(z.string()),
    explanation: z.string(),
    bank: z.string().nullable(),
    item: z.number().int().nullable(),
    part: z.string().nullable(),
    topics: z.array(z.string()),
    difficulty: z.number().int(),
    updatedAt: IsoDateTime,
  })
  .openapi('QuizQuestion');
export const QuestionWithVersions = QuestionView.extend({ versions: z.array(z.object({ version: z.number().int(), createdAt: IsoDateTime })) });
export const ImportResult = z.object({ rows: z.number().int(), created: z.number().int(), updated: z.number().int(), unchanged: z.number().int() });

export const ContestStats = z
  .object({
    contestId: z.string(),
    title: z.string(),
    areaCode: z.string(),
    attempts: z.number().int(),
    submissions: z.number().int(),
    participants: z.number().int(),
    passed: z.number().int(),
    passRate: z.number(),
    tooFast: z.number().int(),
    byArea: z.array(
      z.object({
        villageCode: z.string(),
        villageName: z.string(),
        participants: z.number().int(),
        passed: z.number().int(),
        passRate: z.number(),
        submissions: z.number().int(),
      }),
    ),
    scoreDistribution: z.array(z.object({ range: z.string(), count: z.number().int() })),
    questions: z.array(z.object({ questionId: z.string(), key: z.string(), stem: z.string(), answered: z.number().int(), correctRate: z.number() })),
  })
  .openapi('QuizContestStats');

export const FlagDecision = z.enum(['cleared', 'confirmed']);
export const FlaggedSubmissions = z.object({
  items: z.array(
    z
      .object({
        attemptId: z.string(),
        name: z.string(),
        villageCode: z.string().nullable(),
        villageName: z.string().nullable(),
        score: z.number(),
        durationMs: z.number().int(),
        total: z.number().int(),
        submittedAt: IsoDateTime,
        /** null while nobody has looked at it. */
        review: z.object({ decision: FlagDecision, staffName: z.string(), at: IsoDateTime }).nullable(),
      })
      .openapi('QuizFlaggedSubmission'),
  ),
});
export const FlaggedQuery = z.object({ status: z.enum(['pending', 'cleared', 'confirmed']).optional() }).strict();
export const FlagReviewBody = z.object({ decision: FlagDecision }).strict();
export const FlagReviewResult = z.object({ attemptId: z.string(), decision: FlagDecision, certificateCode: z.string().nullable() }).openapi('QuizFlagReview');
export const StaffContestQuery = PageQuery.extend({
  status: ContestStatus.optional(),
  kind: z.enum(['contest', 'assessment']).optional(),
  q: z.string().trim().max(40).optional(),
}).strict();
export const QuestionQuery = PageQuery.extend({
  tag: z.string().max(40).optional(),
  type: QuestionType.optional(),
  q: z.string().trim().max(60).optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
}).strict();
