import type { AppModule } from '../module';
import { areaRoutes } from './areas.routes';

export const areasModule: AppModule = { name: 'areas', routes: areaRoutes, tasks: [], residentData: [] };

export { areasUnder, getArea } from './areas.service';
