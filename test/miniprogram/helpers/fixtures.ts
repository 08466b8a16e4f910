/** Server replies in the shapes the backend returns. */
import type { Reply } from './wx-mock';

export const POLICY = '2026-11';

export function consent(purpose = 'basic', policyVersion = POLICY) {
  return { purpose, policyVersion, grantedAt: '2026-11-02T08:00:00.000Z' };
}

export function loginOk(token: string, resident: Partial<{ id: string; profileComplete: boolean; consents: unknown[] }> = {}): Reply {
  return {
    statusCode: 200,
    data: {
      token,
      expiresAt: '2099-01-01T00:00:00.000Z',
      resident: { id: 'r-1', profileComplete: true, consents: [consent()], ...resident },
    },
  };
}

export function me(overrides: Record<string, unknown> = {}) {
  return {
    id: 'r-1',
    name: '王秀英',
    villageCode: '370303-Z-ND-001',
    villageName: '南定村',
    phoneMasked: '138****5678',
    sex: 'female',
    birthYear: 1956,
    elderlyMode: false,
    profileComplete: true,
    consents: [consent()],
    ...overrides,
  };
}

export function errorReply(statusCode: number, code: string, message: string): Reply {
  return { statusCode, data: { error: { code, message } } };
}

export const UNAUTHORIZED = errorReply(401, 'UNAUTHORIZED', '请重新登录');
