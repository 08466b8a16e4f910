import type { AppModule } from '../module';
import { auditRoutes } from './audit.routes';

/** Public API: every module writes its audit records through `audit`. */
export { audit, type Actor } from './audit.service';

export const auditModule: AppModule = { name: 'audit', routes: auditRoutes, tasks: [], residentData: [] };
