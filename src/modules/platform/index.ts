import type { AppModule } from '../module';
import { platformRoutes } from './platform.routes';

export const platformModule: AppModule = { name: 'platform', routes: platformRoutes, tasks: [], residentData: [] };
