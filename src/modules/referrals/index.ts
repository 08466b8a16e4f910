import type { AppModule } from '../module';
import { eraseReferrals, exportReferrals, referralTasks } from './referrals.retention';
import { referralRoutes } from './referrals.routes';

export const referralsModule: AppModule = {
  name: 'referrals',
  routes: referralRoutes,
  tasks: referralTasks,
  residentData: [{ name: 'referrals', export: exportReferrals, erase: eraseReferrals }],
};

export { referralFigures } from './referrals.figures';
export { STATUS_LABELS as REFERRAL_STATUS_LABELS } from './referrals.workflow';
