import type { Api } from '../http/route';
import { areaRoutes } from './areas/areas.routes';
import { auditRoutes } from './audit/audit.routes';
import { quizRoutes } from './quiz/quiz.routes';
import { residentRoutes } from './residents/residents.routes';
import { staffRoutes } from './staff/staff.routes';

/** Every domain module's routes; a new module adds one line here. */
export function registerModules(api: Api): void {
  areaRoutes(api);
  residentRoutes(api);
  staffRoutes(api);
  auditRoutes(api);
  quizRoutes(api);
}
