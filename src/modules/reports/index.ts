import type { AppModule } from '../module';
import { remindYearlyReports } from './reminders';
import { reportRoutes } from './reports.routes';

/**
 * Yearly report and dashboard: each module's figure section per area (given by the module list, see
 * `useFigureSections`), typical cases, the XLSX / DOCX files, the towns' submissions and the December reminders.
 */
export const reportsModule: AppModule = {
  name: 'reports',
  routes: reportRoutes,
  // Daily 1–15 December: a reminder day missed while no worker ran is caught up the next morning.
  tasks: [{ name: 'reports.reminders', cron: '5 9 1-15 12 *', run: remindYearlyReports }],
  residentData: [],
};

export { useFigureSections } from './figures';
export { areaFigureRows, figureSections } from './figures';
