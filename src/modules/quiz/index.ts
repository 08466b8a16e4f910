import type { AppModule } from '../module';
import { backfillParticipation } from './participation.service';
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
  // Participations of submissions made before they were recorded at submit (once; a no-op afterwards).
  indexes: async (app) => {
    await backfillParticipation(app);
  },
};

export { backfillParticipation } from './participation.service';
export { LITERATE_SCORE, quizYearFigures, type RoundFigures } from './quiz.figures';
