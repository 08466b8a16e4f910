import type { Api } from '../http/route';
import { areaRoutes } from './areas/areas.routes';
import { auditRoutes } from './audit/audit.routes';
import { insuranceRoutes } from './insurance/insurance.routes';
import { referralRoutes } from './referrals/referrals.routes';
import { platformRoutes } from './platform/platform.routes';
import { campaignRoutes } from './campaigns/campaigns.routes';
import { quizRoutes } from './quiz/quiz.routes';
import { residentRoutes } from './residents/residents.routes';
import { staffRoutes } from './staff/staff.routes';
import { subscriptionRoutes } from './subscriptions/subscriptions.routes';
import { talksRoutes } from './talks/talks.routes';

/** Every domain module's routes; a new module adds one line here. */
export function registerModules(api: Api): void {
  areaRoutes(api);
  residentRoutes(api);
  platformRoutes(api);
  staffRoutes(api);
  auditRoutes(api);
  referralRoutes(api);
  insuranceRoutes(api);
  campaignRoutes(api);
  subscriptionRoutes(api);
  talksRoutes(api);
  quizRoutes(api);
}
