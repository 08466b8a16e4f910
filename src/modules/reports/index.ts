import type { AppModule } from '../module';
import { remindYearlyReports } from './reminders';
import { reportRoutes } from './reports.routes';

/**
 * Yearly report and health-literacy level: figures per area from every module (through their index.ts), the
 * literacy rounds with their intervals, typical cases, the XLSX / DOCX files and the December reminders.
 */
export const reportsModule: AppModule = {
  name: 'reports',
  routes: reportRoutes,
  // Daily 1–15 December: a reminder day missed while no worker ran is caught up the next morning.
  tasks: [{ name: 'reports.reminders', cron: '5 9 1-15 12 *', run: remindYearlyReports }],
  residentData: [],
};
