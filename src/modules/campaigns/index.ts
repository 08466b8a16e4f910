import type { AppModule } from '../module';
import { campaignRoutes } from './campaigns.routes';
import { campaignTasks } from './campaigns.tasks';

export const campaignsModule: AppModule = { name: 'campaigns', routes: campaignRoutes, tasks: campaignTasks, residentData: [] };

export { createBroadcast } from './campaigns.service';
export { groupFigures } from './campaigns.figures';
