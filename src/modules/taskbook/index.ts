import type { AppModule } from '../module';
import { TaskbookPhotos } from './taskbook.model';
import { taskbookFigureSection } from './taskbook.figures';
import { queueTaskbookReminders, queueWeeklySummary } from './reminders';
import { taskbookRoutes } from './taskbook.routes';

/**
 * The district steers the towns: the year's task book (targets on the platform's own figures, evidence tasks),
 * the towns' plans, progress and reminders, supervision visits with rectification items, coordination meetings.
 */
export const taskbookModule: AppModule = {
  name: 'taskbook',
  routes: taskbookRoutes,
  tasks: [
    { name: 'taskbook.reminders', cron: '40 8 * * *', run: queueTaskbookReminders },
    { name: 'taskbook.weekly', cron: '0 9 * * 1', run: queueWeeklySummary },
  ],
  residentData: [],
  figures: taskbookFigureSection,
  keys: { sealedFiles: [{ model: TaskbookPhotos, bucket: 'taskbookPhotos' }] },
};
