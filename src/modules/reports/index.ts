import type { Task } from '../../worker';
import { remindYearlyReports } from './reminders';
import { reportRoutes } from './reports.routes';

/**
 * Yearly report and health-literacy level: figures per area from every module, the literacy rounds with
 * their intervals, typical cases, the XLSX / DOCX files and the December reminders.
 */
export const reportsTasks: Task[] = [
  // Daily 1–15 December: a reminder day missed while no worker ran is caught up the next morning.
  { name: 'reports.reminders', cron: '5 9 1-15 12 *', run: remindYearlyReports },
];

export const reportsModule = { name: 'reports', routes: reportRoutes, tasks: reportsTasks, residentData: [] as const };
