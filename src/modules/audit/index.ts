import type { AppModule } from '../module';
import { auditRoutes } from './audit.routes';

export const auditModule: AppModule = { name: 'audit', routes: auditRoutes, tasks: [], residentData: [] };

export { audit, type Actor } from './audit.service';
