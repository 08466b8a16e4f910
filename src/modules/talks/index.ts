import type { AppModule } from '../module';
import { talkResidentData } from './talks.data';
import { talksRoutes } from './talks.routes';
import { talkTasks } from './talks.tasks';
import { backfillResidentEntries } from './resident-entries';

export const talksModule: AppModule = {
  name: 'talks', routes: talksRoutes, tasks: talkTasks, residentData: [talkResidentData],
  // "my registrations" entries for registrations made before entries were kept (once; a no-op afterwards)
  indexes: async (app) => {
    await backfillResidentEntries(app);
  },
};

export { talkFigures } from './talks.figures';
