import type { AppModule } from '../module';
import { purgeExpiredSessions } from './sessions.service';

/** Sessions have no routes of their own: logins live in residents and staff, checks in the auth middleware. */
/** Public API: tokens are issued by the login modules and resolved by the auth middleware. */
export { issueToken, resolveToken, revokeAllFor, revokeToken } from './sessions.service';

export const sessionsModule: AppModule = {
  name: 'sessions',
  routes: () => undefined,
  tasks: [{ name: 'sessions.purge', cron: '17 * * * *', run: purgeExpiredSessions }],
  residentData: [],
};
