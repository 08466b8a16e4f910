import { PRIVACY_POLICY_VERSION } from '../config';

const POLICY_VERSION_KEY = 'policyVersion';

/** The policy version the server serves now (GET /api/v1/policy), remembered; the built-in one until then. */
export function currentPolicyVersion(): string {
  const v: unknown = wx.getStorageSync(POLICY_VERSION_KEY);
  return typeof v === 'string' && v !== '' ? v : PRIVACY_POLICY_VERSION;
}

export function rememberPolicyVersion(version: string): void {
  wx.setStorageSync(POLICY_VERSION_KEY, version);
}
import type { Resident } from '../services/types';

export const BASIC_PURPOSE = 'basic';

/** True when the resident agreed to this purpose under the current policy version. */
export function hasCurrentConsent(resident: Resident | null, purpose: string = BASIC_PURPOSE): boolean {
  if (!resident || !Array.isArray(resident.consents)) return false;
  const version = currentPolicyVersion();
  return resident.consents.some((c) => c.purpose === purpose && c.policyVersion === version);
}
