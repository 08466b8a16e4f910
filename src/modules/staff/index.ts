import type { AppModule } from '../module';
import { staffRoutes } from './staff.routes';

export const staffModule: AppModule = { name: 'staff', routes: staffRoutes, tasks: [], residentData: [] };

export { activeTownAdmins, assertInScope, inScope, type StaffPrincipal } from './staff.service';
