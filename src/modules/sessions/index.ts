import type { AppModule } from '../module';
import { purgeExpiredSessions } from './sessions.service';

/** Sessions have no routes of their own: logins live in residents and staff, checks in the auth middleware. */
export const sessionsModule: AppModule = {
  name: 'sessions',
  routes: () => undefined,
  tasks: [{ name: 'sessions.purge', cron: '17 * * * *', run: purgeExpiredSessions }],
  residentData: [],
};
