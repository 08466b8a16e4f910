import type { AppModule } from '../module';
import { eraseQuizData, exportQuizData } from './quiz-data';
import { quizRoutes } from './quiz.routes';
import { refreshLeaderboards } from './leaderboard.service';

/** Public API: the shipped question bank, for start-up and `npm run seed`. */
export { seedMissingQuestions, seedQuestionBank } from './bank.service';

export const quizModule: AppModule = {
  name: 'quiz',
  routes: quizRoutes,
  // boards of open contests are computed here, never on a resident's request
  tasks: [{ name: 'quiz.leaderboards', cron: '*/10 * * * * *', run: refreshLeaderboards }],
  residentData: [{ name: 'quiz', export: exportQuizData, erase: eraseQuizData }],
};

export { literacyRounds, LITERATE_SCORE, quizFigures, type RoundFigures } from './quiz.figures';
