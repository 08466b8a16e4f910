import type { AppModule } from '../module';
import { staffRoutes } from './staff.routes';

export const staffModule: AppModule = { name: 'staff', routes: staffRoutes, tasks: [], residentData: [] };
