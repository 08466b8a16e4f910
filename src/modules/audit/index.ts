import type { AppModule } from '../module';
import { auditRoutes } from './audit.routes';

/** Public API: the audit log writer (a staff member's records are written through their `Caller`). */
export { audit } from './audit.service';

export const auditModule: AppModule = { name: 'audit', routes: auditRoutes, tasks: [], residentData: [] };
