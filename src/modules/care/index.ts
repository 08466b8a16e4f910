import type { AppModule } from '../module';
import { careRoutes } from './care.routes';
import { queueOverdueReminders, runCareRetention } from './care.service';

/** 生育关怀: special families, left-behind people and core-member pairing; visits, help, reminders, figures. */
export const careModule: AppModule = {
  name: 'care',
  routes: careRoutes,
  tasks: [
    { name: 'care.reminders', cron: '30 8 * * *', run: queueOverdueReminders },
    { name: 'care.retention', cron: '50 3 * * *', run: runCareRetention },
  ],
  residentData: [],
};
