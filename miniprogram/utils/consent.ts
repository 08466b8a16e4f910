import { PRIVACY_POLICY_VERSION } from '../config';
import type { Resident } from '../services/types';

export const BASIC_PURPOSE = 'basic';

/** True when the resident agreed to this purpose under the current policy version. */
export function hasCurrentConsent(resident: Resident | null, purpose: string = BASIC_PURPOSE): boolean {
  if (!resident || !Array.isArray(resident.consents)) return false;
  return resident.consents.some((c) => c.purpose === purpose && c.policyVersion === PRIVACY_POLICY_VERSION);
}
