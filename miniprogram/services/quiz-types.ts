/** Quiz shapes the server returns, taken from the generated `api-types.ts` (backend: src/modules/quiz/quiz.schemas.ts). */
import type { components } from './api-types';
import type { Reply } from './types';

type Schemas = components['schemas'];

/** Before submit: never answers or explanations. */
export type Attempt = Schemas['QuizAttempt'];
export type ShownQuestion = Attempt['questions'][number];
export type ShownOption = ShownQuestion['options'][number];

export type QuizResult = Schemas['QuizResult'];
export type ResultItem = QuizResult['items'][number];

/** GET /api/v1/quiz/daily and GET /api/v1/quiz/attempts/:id (only the latter has the answers saved before leaving). */
export type AttemptWithResult = Schemas['QuizDaily'] & Partial<Pick<Reply<'/api/v1/quiz/attempts/{id}', 'get'>, 'savedAnswers'>>;

export type ContestSummary = Schemas['QuizContestForResident'];
export type Topic = Reply<'/api/v1/quiz/topics', 'get'>['items'][number];
export type WrongBook = Schemas['QuizWrongBook'];
export type Points = Schemas['QuizPoints'];
export type Leaderboard = Schemas['QuizLeaderboard'];
export type Certificate = Schemas['QuizCertificate'];
