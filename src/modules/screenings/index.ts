import type { AppModule } from '../module';
import { queueOverdue } from './screenings.cases';
import { seedCodeBooks } from './screenings.codes';
import { runScreeningRetention, screeningResidentData } from './screenings.data';
import { screeningFigureSection } from './screenings.figures';
import { screeningRoutes } from './screenings.routes';

/** After a screening or check-up: results per participant, their release, follow-up cases, counselling, figures. */
export const screeningsModule: AppModule = {
  name: 'screenings',
  routes: screeningRoutes,
  tasks: [
    { name: 'screenings.overdue', cron: '40 8 * * *', run: queueOverdue },
    { name: 'screenings.retention', cron: '55 3 * * *', run: runScreeningRetention },
  ],
  residentData: [screeningResidentData],
  figures: screeningFigureSection,
  // asked for when the resident ticks the results consent at a screening's sign-up
  notices: [{ kind: 'screening_result', flow: 'screening' }],
  // the default result codes and advice of each programme, where a database has none
  migrations: [{ name: 'code-books', version: 1, run: seedCodeBooks }],
};
