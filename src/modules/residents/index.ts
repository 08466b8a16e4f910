import { Residents } from './residents.model';
import type { AppModule, ResidentDataSection } from '../module';
import { residentFigureSection } from './residents.figures';
import { residentRoutes } from './residents.routes';

/** Public API: who a resident is, their consents, and the few fields other modules read. */
export type { ConsentPurpose, ResidentDoc } from './residents.model';
export { registeredByVillage, residentById, residentsByIds } from './residents.read';
export { fillSexAndBirthYear, getResident, requireConsent, RESIDENT_CACHE_MS, wechatToAppError } from './residents.service';

/** Residents export and erase their data across every module: the other modules' sections are passed in. */
export function residentsModule(otherData: readonly ResidentDataSection[]): AppModule {
  return {
    name: 'residents',
    routes: (api) => residentRoutes(api, otherData),
    tasks: [],
    residentData: [],
    figures: residentFigureSection,
    keys: { blindIndexes: [{ model: Residents, field: 'phoneIndex', purpose: 'phone', source: (pii, d) => (d.phoneEnc ? pii.open(d.phoneEnc) : null) }] },
  };
}

export { residentFigures } from './residents.figures';
export { LOGIN_LIMITS } from './residents.routes';
