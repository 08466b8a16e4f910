/** 我的检查结果 and the results consent of a screening sign-up. Shapes follow the backend's zod schemas. */
import { api } from './api';
import type { components } from './api-types';

export type MyScreenings = components['schemas']['MyScreeningResults'];
export type ScreeningConsent = components['schemas']['ScreeningConsent'];

/** The words the resident agrees to (the server sends the same in every reply about the consent). */
export const RESULTS_CONSENT_TEXT = '同意把本次检查结果录入平台：仅本人和负责随访的村（社区）工作人员可见。不同意也可以参加，结果只给纸质报告。';

export const screeningsApi = {
  mine: () => api.get<MyScreenings>('/api/v1/me/screening-results'),
  setConsent: (talkId: string, given: boolean) => api.put<ScreeningConsent>(`/api/v1/screenings/${talkId}/consent`, { given }),
  callBack: (resultId: string) => api.post<{ callbackRequested: boolean }>(`/api/v1/me/screening-results/${resultId}/callback`),
  went: (resultId: string) => api.post<{ status: string; statusLabel: string }>(`/api/v1/me/screening-results/${resultId}/went`),
};
