import type { AppModule } from '../module';
import { talkResidentData } from './talks.data';
import { talksRoutes } from './talks.routes';
import { talkTasks } from './talks.tasks';

export const talksModule: AppModule = { name: 'talks', routes: talksRoutes, tasks: talkTasks, residentData: [talkResidentData] };

export { talkFigures } from './talks.figures';
