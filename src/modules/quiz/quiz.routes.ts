import type { Api } from '../../http/route';
import { idempotencyKey } from '../../http/idempotency';
import { callerOf, residentId, staffOf } from '../../http/auth';
import { rateLimit } from '../../http/rate-limit';
import { NoContent, pageOf, z } from '../../http/zod';
import { attemptView, dailyAttempt, listTopics, ownAttempt, practiceAttempt } from './attempts.service';
import { createQuestion, editQuestion, exportQuestions, getQuestion, importQuestions, listQuestions } from './bank-admin.service';
import { QuestionInput, QuestionPatch } from './bank.service';
import {
  copyContest,
  createContest,
  deleteContest,
  listContestsForResident,
  listContestsForStaff,
  setContestStatus,
  startContestAttempt,
  updateContest,
  visibleContest,
  contestView,
} from './contests.service';
import { leaderboardForResident } from './leaderboard-reads';
import { saveAnswers, savedAnswers } from './drafts.service';
import {
  AttemptResponse,
  Certificate,
  CertificateList,
  ContestBody,
  ContestPatch,
  ContestStats,
  ContestView,
  DailyResponse,
  ExportQuery,
  FlaggedQuery,
  FlaggedSubmissions,
  FlagReviewBody,
  FlagReviewResult,
  IdParams,
  ImportResult,
  Leaderboard,
  LeaderboardQuery,
  Points,
  PracticeBody,
  QuestionQuery,
  QuestionView,
  QuestionWithVersions,
  ResidentContestList,
  StaffContestQuery,
  ResultResponse,
  SubmitBody,
  Topics,
  WrongBook,
} from './quiz.schemas';
import { myCertificates, pointsSummary, verifyCertificate } from './rewards.service';
import { contestStats, exportContestStats, flaggedSubmissions, reviewFlagged } from './stats.service';
import { getSubmission, resultView, submitAttempt } from './submit.service';
import { wrongBook } from './wrongbook.service';

export function quizRoutes(api: Api): void {
  const app = api.app;
  residentSide(api);
  staffSide(api);
  api.route({
    method: 'get',
    path: '/api/v1/certificates/:code',
    summary: 'Verify a quiz certificate (public; name masked)',
    tags: ['quiz'],
    auth: 'none',
    params: z.object({ code: z.string().regex(/^[A-Za-z0-9]{6,20}$/) }).strict(),
    middleware: [rateLimit({ windowMs: 60_000, max: 60 })],
    response: Certificate,
    handler: (_ctx, { params }) => verifyCertificate(app, params.code),
  });
}

function residentSide(api: Api): void {
  const app = api.app;
  const tags = ['quiz'];
  const auth = 'resident' as const;
  api.route({
    method: 'get',
    path: '/api/v1/quiz/daily',
    summary: "Today's practice (no answers before submit)",
    tags,
    auth,
    response: DailyResponse,
    handler: (ctx) => dailyAttempt(app, residentId(ctx)),
  });
  api.route({ method: 'get', path: '/api/v1/quiz/topics', summary: 'Topics to practise', tags, auth, response: Topics, handler: () => listTopics(app) });
  api.route({
    method: 'post',
    path: '/api/v1/quiz/practice',
    summary: 'Start topic or wrong-book practice',
    tags,
    auth,
    body: PracticeBody,
    response: AttemptResponse,
    status: 201,
    idempotent: true,
    handler: (ctx, { body }) => practiceAttempt(app, residentId(ctx), body),
  });
  api.route({
    method: 'get',
    path: '/api/v1/quiz/contests',
    summary: 'Contests open to my area',
    tags,
    auth,
    response: ResidentContestList,
    handler: (ctx) => listContestsForResident(app, residentId(ctx)),
  });
  api.route({
    method: 'post',
    path: '/api/v1/quiz/contests/:id/attempts',
    summary: 'Start a contest attempt',
    tags,
    auth,
    params: IdParams,
    response: AttemptResponse,
    status: 201,
    idempotent: 'natural',
    handler: (ctx, { params }) => startContestAttempt(app, residentId(ctx), params.id, idempotencyKey(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/quiz/attempts/:id',
    summary: 'An attempt: questions before submit, the result after',
    tags,
    auth,
    params: IdParams,
    response: z.object({ attempt: AttemptResponse, result: ResultResponse.nullable(), savedAnswers: SubmitBody.shape.answers }),
    handler: async (ctx, { params }) => {
      const a = await ownAttempt(app, residentId(ctx), params.id);
      const s = await getSubmission(app, a._id);
      return { attempt: await attemptView(app, a), result: s ? await resultView(app, a, s) : null, savedAnswers: s ? [] : await savedAnswers(app, a._id) };
    },
  });
  api.route({
    method: 'put',
    path: '/api/v1/quiz/attempts/:id/answers',
    summary: 'Save the answers so far (resumable until the deadline; not a submission)',
    tags,
    auth,
    params: IdParams,
    body: SubmitBody,
    response: z.object({ attemptId: z.string(), saved: z.number(), savedAt: z.string(), deadline: z.string() }).openapi('SavedAnswers'),
    handler: async (ctx, { params, body }) => saveAnswers(app, await ownAttempt(app, residentId(ctx), params.id), body.answers),
  });
  api.route({
    method: 'post',
    path: '/api/v1/quiz/attempts/:id/submit',
    summary: 'Submit answers (once)',
    tags,
    auth,
    params: IdParams,
    body: SubmitBody,
    response: ResultResponse,
    idempotent: 'natural',
    handler: async (ctx, { params, body }) => submitAttempt(app, await ownAttempt(app, residentId(ctx), params.id), body.answers, idempotencyKey(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/quiz/wrong-book',
    summary: 'My wrong-answer book',
    tags,
    auth,
    response: WrongBook,
    handler: (ctx) => wrongBook(app, residentId(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/quiz/points',
    summary: 'My points (today and total)',
    tags,
    auth,
    response: Points,
    handler: (ctx) => pointsSummary(app, residentId(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/quiz/certificates',
    summary: 'My certificates',
    tags,
    auth,
    response: CertificateList,
    handler: (ctx) => myCertificates(app, residentId(ctx)),
  });
  api.route({
    method: 'get',
    path: '/api/v1/quiz/contests/:id/leaderboard',
    summary: 'Contest leaderboard (cached, may lag seconds)',
    tags,
    auth,
    params: IdParams,
    query: LeaderboardQuery,
    response: Leaderboard,
    handler: (ctx, { params, query }) => leaderboardForResident(app, residentId(ctx), params.id, query.scope),
  });
}

function staffSide(api: Api): void {
  const app = api.app;
  const tags = ['admin: quiz'];
  const auth = 'staff' as const;
  const bankWriters = ['district_admin'] as const;
  const contestWriters = ['district_admin', 'town_admin'] as const;
  const base = '/api/admin/v1/quiz';
  api.route({
    method: 'get',
    path: `${base}/questions`,
    summary: 'Question bank: by tag, type, retired or not, words of the stem or the key',
    tags,
    auth,
    response: pageOf(QuestionView),
    query: QuestionQuery,
    handler: (_ctx, { query }) => listQuestions(app, query),
  });
  api.route({
    method: 'get',
    path: `${base}/topics`,
    summary: 'Tags of the active bank with their question counts (filters, draw rules)',
    tags,
    auth,
    response: Topics,
    handler: () => listTopics(app),
  });
  api.route({
    method: 'get',
    path: `${base}/questions/export`,
    summary: 'Export the bank with answers (audited)',
    tags,
    auth,
    roles: bankWriters,
    query: ExportQuery,
    raw: { contentType: 'application/octet-stream' },
    handler: async (ctx, { query }) => sendFile(ctx, await exportQuestions(app, callerOf(ctx), query.format)),
  });
  api.route({
    method: 'get',
    path: `${base}/questions/:id`,
    summary: 'One question with its versions',
    tags,
    auth,
    params: IdParams,
    response: QuestionWithVersions,
    handler: (_ctx, { params }) => getQuestion(app, params.id),
  });
  api.route({
    method: 'post',
    path: `${base}/questions`,
    summary: 'Create a question (audited)',
    tags,
    auth,
    roles: bankWriters,
    body: QuestionInput,
    status: 201,
    response: QuestionView,
    handler: (ctx, { body }) => createQuestion(app, callerOf(ctx), body),
  });
  api.route({
    method: 'patch',
    path: `${base}/questions/:id`,
    summary: 'Edit a question: a new version (audited); active:false retires it',
    tags,
    auth,
    roles: bankWriters,
    params: IdParams,
    body: QuestionPatch,
    response: QuestionView,
    handler: (ctx, { params, body }) => editQuestion(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'post',
    path: `${base}/questions/import`,
    summary: 'Import questions (JSON, CSV, XLSX as base64); all or nothing',
    tags,
    auth,
    roles: bankWriters,
    bodyLimitKb: 4096,
    body: z.object({ format: z.enum(['json', 'csv', 'xlsx']), content: z.string().min(1).max(4_000_000) }).strict(),
    response: ImportResult,
    handler: (ctx, { body }) => importQuestions(app, callerOf(ctx), body.format, body.content),
  });
  api.route({
    method: 'get',
    path: `${base}/contests`,
    summary: 'Contests I manage or that cover my area, by status, kind and title',
    tags,
    auth,
    query: StaffContestQuery,
    response: pageOf(ContestView),
    handler: (ctx, { query }) => listContestsForStaff(app, staffOf(ctx), query),
  });
  api.route({
    method: 'get',
    path: `${base}/contests/:id`,
    summary: 'One contest',
    tags,
    auth,
    params: IdParams,
    response: ContestView,
    handler: async (ctx, { params }) => contestView(await visibleContest(app, staffOf(ctx), params.id)),
  });
  api.route({
    method: 'post',
    path: `${base}/contests`,
    summary: 'Create a contest (draft, audited)',
    tags,
    auth,
    roles: contestWriters,
    body: ContestBody,
    status: 201,
    response: ContestView,
    handler: (ctx, { body }) => createContest(app, callerOf(ctx), body),
  });
  api.route({
    method: 'patch',
    path: `${base}/contests/:id`,
    summary: 'Edit a draft contest (audited)',
    tags,
    auth,
    roles: contestWriters,
    params: IdParams,
    body: ContestPatch,
    response: ContestView,
    handler: (ctx, { params, body }) => updateContest(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'delete',
    path: `${base}/contests/:id`,
    summary: 'Delete a draft contest (audited); a published one cannot be deleted',
    tags,
    auth,
    roles: contestWriters,
    params: IdParams,
    status: 204,
    response: NoContent,
    handler: async (ctx, { params }) => {
      await deleteContest(app, callerOf(ctx), params.id);
      return null;
    },
  });
  api.route({
    method: 'post',
    path: `${base}/contests/:id/copy`,
    summary: 'Copy a contest into a new draft: rules and texts, no attempts; past dates move on by whole days (audited)',
    tags,
    auth,
    roles: contestWriters,
    params: IdParams,
    status: 201,
    response: ContestView,
    handler: (ctx, { params }) => copyContest(app, callerOf(ctx), params.id),
  });
  for (const [action, to] of [
    ['publish', 'published'],
    ['close', 'closed'],
  ] as const) {
    api.route({
      method: 'post',
      path: `${base}/contests/:id/${action}`,
      summary: `${action} a contest (audited)`,
      tags,
      auth,
      roles: contestWriters,
      params: IdParams,
      response: ContestView,
      handler: (ctx, { params }) => setContestStatus(app, callerOf(ctx), params.id, to),
    });
  }
  api.route({
    method: 'get',
    path: `${base}/contests/:id/stats`,
    summary: 'Participation, pass rate, scores, question correctness in my area',
    tags,
    auth,
    params: IdParams,
    response: ContestStats,
    handler: (ctx, { params }) => contestStats(app, staffOf(ctx), params.id),
  });
  api.route({
    method: 'get',
    path: `${base}/contests/:id/stats/export`,
    summary: 'Export contest statistics (audited)',
    tags,
    auth,
    params: IdParams,
    query: ExportQuery,
    raw: { contentType: 'application/octet-stream' },
    handler: async (ctx, { params, query }) => sendFile(ctx, await exportContestStats(app, callerOf(ctx), params.id, query.format)),
  });
  api.route({
    method: 'get',
    path: `${base}/contests/:id/flagged`,
    summary: 'Implausibly fast submissions in my area, with any decision taken',
    tags,
    auth,
    params: IdParams,
    query: FlaggedQuery,
    response: FlaggedSubmissions,
    handler: (ctx, { params, query }) => flaggedSubmissions(app, staffOf(ctx), params.id, query),
  });
  api.route({
    method: 'post',
    path: `${base}/contests/:id/flagged/:attemptId/review`,
    summary: 'Clear or confirm a too-fast submission, once (audited; cleared ones rank and may earn the certificate)',
    tags,
    auth,
    roles: contestWriters,
    params: z.object({ id: IdParams.shape.id, attemptId: IdParams.shape.id }).strict(),
    body: FlagReviewBody,
    response: FlagReviewResult,
    handler: (ctx, { params, body }) => reviewFlagged(app, callerOf(ctx), params.id, params.attemptId, body.decision),
  });
}

function sendFile(ctx: import('koa').Context, f: { body: string | Buffer; contentType: string; filename: string }): Promise<void> {
  ctx.set('content-type', f.contentType);
  ctx.set('content-disposition', `attachment; filename="${f.filename}"`);
  ctx.body = f.body;
  return Promise.resolve();
}
