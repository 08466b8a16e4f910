import type { AppModule } from '../module';
import { backupRoutes } from './backups.routes';
import { nightlyBackup } from './backups.service';

export { backupStatus, runBackup } from './backups.service';

/**
 * Backups of the whole database: the nightly run (02:30 Asia/Shanghai, one worker claims the day) with its
 * daily / weekly / monthly copies, and the status district admins see in the console.
 */
export const backupsModule: AppModule = {
  name: 'backups',
  routes: backupRoutes,
  tasks: [{ name: 'backups.nightly', cron: '30 2 * * *', run: nightlyBackup }],
  residentData: [],
};
