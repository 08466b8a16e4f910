/**
 * Client settings. The API base can be overridden at run time (stored on the device) so a tester can point a
 * phone at a LAN server without a rebuild; set DEFAULT_API_BASE to the real HTTPS domain before release.
 */
export const DEFAULT_API_BASE = 'http://127.0.0.1:3000';

/** Must equal the server's current privacy-policy version; a consent for an older version asks again. */
export const PRIVACY_POLICY_VERSION = '2026-11';

/** 张店区 — the root of the town → village picker. */
export const DISTRICT_CODE = '370303';

const API_BASE_OVERRIDE_KEY = 'apiBaseOverride';

export function apiBase(): string {
  const override: unknown = wx.getStorageSync(API_BASE_OVERRIDE_KEY);
  const base = typeof override === 'string' && override.trim() !== '' ? override.trim() : DEFAULT_API_BASE;
  return base.replace(/\/+$/, '');
}

/** Pass null to go back to the default. */
export function setApiBaseOverride(base: string | null): void {
  if (base === null) wx.removeStorageSync(API_BASE_OVERRIDE_KEY);
  else wx.setStorageSync(API_BASE_OVERRIDE_KEY, base);
}
