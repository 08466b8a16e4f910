import type { AppModule } from '../module';
import { areaRoutes } from './areas.routes';

/** Public API: what other modules and the platform may use. */
export type { AreaDoc, AreaLevel } from './areas.model';
export {
  areaNames,
  areaNamesUnder,
  areasUnder,
  DISTRICT_CODE,
  findAreaInScope,
  getArea,
  listChildAreas,
  requireVillage,
  seedDistrict,
  villagesUnder,
} from './areas.service';

export const areasModule: AppModule = { name: 'areas', routes: areaRoutes, tasks: [], residentData: [] };
