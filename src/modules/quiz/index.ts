import type { AppModule } from '../module';
import { foldQuizTallies, rebuildQuizFigures } from './participation.service';
import { eraseQuizData, exportQuizData } from './quiz-data';
import { quizFigureSection } from './quiz.figures';
import { quizRoutes } from './quiz.routes';
import { noteRenamed } from './leaderboard-intake';
import { refreshLeaderboards } from './leaderboard-reads';

/** Public API: the shipped question bank, for start-up and `npm run seed`. */
export { seedMissingQuestions, seedQuestionBank } from './bank.service';

export const quizModule: AppModule = {
  name: 'quiz',
  routes: quizRoutes,
  // boards of open contests are computed here, never on a resident's request
  tasks: [
    { name: 'quiz.leaderboards', cron: '*/10 * * * * *', run: refreshLeaderboards },
    // submissions' tallies into the yearly figures (a report also folds before it reads)
    { name: 'quiz.figures', cron: '*/10 * * * * *', run: (app) => foldQuizTallies(app) },
  ],
  residentData: [{ name: 'quiz', export: exportQuizData, erase: eraseQuizData, renamed: noteRenamed }],
  figures: quizFigureSection,
  // Figures and participations of submissions made before figures were kept; version 2 recounts the literacy
  // rounds without the papers flagged too fast that staff have not cleared.
  migrations: [{ name: 'figures', version: 2, run: async (app) => void (await rebuildQuizFigures(app, { again: true })) }],
};

export { foldQuizTallies, LITERATE_SCORE, rebuildQuizFigures } from './participation.service';
export { quizYearFigures, type RoundFigures } from './quiz.figures';
export { awardStudyPoints, pointsSummary } from './rewards.service';
export { recentMistakeTags } from './wrongbook.service';
