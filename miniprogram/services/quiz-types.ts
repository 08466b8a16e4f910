/** Quiz shapes the server returns (backend: src/modules/quiz/quiz.schemas.ts). */

export interface ShownOption {
  key: string;
  text: string;
}

export interface ShownQuestion {
  id: string;
  type: 'single' | 'multi' | 'judge';
  stem: string;
  options: ShownOption[];
}

/** Before submit: never answers or explanations. */
export interface Attempt {
  id: string;
  mode: 'daily' | 'contest' | 'topic' | 'wrongbook';
  contestId: string | null;
  contestTitle: string | null;
  topic: string | null;
  createdAt: string;
  deadline: string;
  serverNow: string;
  questions: ShownQuestion[];
}

export interface ResultItem {
  questionId: string;
  type: string;
  stem: string;
  options: ShownOption[];
  yourChoice: string[];
  answer: string[];
  correct: boolean;
  explanation: string;
}

export interface QuizResult {
  attemptId: string;
  mode: string;
  contestId: string | null;
  contestTitle: string | null;
  score: number;
  correct: number;
  total: number;
  passScore: number;
  passed: boolean;
  tooFast: boolean;
  durationMs: number;
  submittedAt: string;
  pointsEarned: number;
  certificateCode: string | null;
  items: ResultItem[];
}

/** GET /api/v1/quiz/daily and GET /api/v1/quiz/attempts/:id */
export interface AttemptWithResult {
  attempt: Attempt;
  result: QuizResult | null;
  /** Answers saved before leaving (PUT /quiz/attempts/:id/answers); GET /quiz/attempts/:id only. */
  savedAnswers?: { questionId: string; choice: string[] }[];
}

export interface ContestSummary {
  id: string;
  title: string;
  description: string;
  startAt: string;
  endAt: string;
  questionCount: number;
  timeLimitSec: number;
  attemptsPerDay: number;
  attemptsTotal: number;
  passScore: number;
  state: 'upcoming' | 'open' | 'ended';
  attemptsUsed: number;
  /** An attempt left half-way that can still be finished before its deadline. */
  openAttemptId?: string | null;
  certificateCode: string | null;
}

export interface Topic {
  tag: string;
  label: string;
  count: number;
}

export interface WrongBook {
  count: number;
  items: { questionId: string; stem: string; wrongCount: number }[];
}

export interface Points {
  total: number;
  today: number;
  dailyCap: number;
}

export interface Leaderboard {
  scope: 'village' | 'town' | 'district';
  computedAt: string;
  participants: number;
  entries: { rank: number; name: string; score: number; durationSec: number; me: boolean }[];
  me: { rank: number; score: number } | null;
  villages: { rank: number; code: string; name: string; participants: number; registered: number; participation: number; avgScore: number }[];
}

export interface Certificate {
  code: string;
  name: string;
  contestTitle: string;
  score: number;
  issuedOn: string;
}
