import type { AppModule, ResidentDataSection } from '../module';
import { residentRoutes } from './residents.routes';

/** Residents export and erase their data across every module: the other modules' sections are passed in. */
export function residentsModule(otherData: readonly ResidentDataSection[]): AppModule {
  return { name: 'residents', routes: (api) => residentRoutes(api, otherData), tasks: [], residentData: [] };
}

export { residentFigures } from './residents.figures';
export { LOGIN_LIMITS } from './residents.routes';
