import { labels } from './dictionaries';
/** Talks (讲座/筛查) API used by the pages under pages/talks. Shapes follow the backend's zod schemas. */
import { api, newIdempotencyKey, type CallOptions } from './api';
import { confirmThen } from '../utils/confirm';

export type TalkKind = 'lecture' | 'screening' | 'checkup' | 'youth' | 'other';

export interface Expert {
  id: string;
  name: string;
  hospital: string;
  title: string;
}

export interface Talk {
  id: string;
  kind: TalkKind;
  title: string;
  description: string;
  venue: string;
  startAt: string;
  endAt: string;
  capacity: number;
  seatsTaken: number;
  seatsLeft: number;
  maxSeatsPerRegistration: number;
  signupOpensAt: string;
  signupClosesAt: string;
  cancelCutoffAt: string;
  waitlistEnabled: boolean;
  status: 'draft' | 'published' | 'closed' | 'cancelled' | 'finished';
  experts: Expert[];
}

export interface MyRegistrationSummary {
  registrationId: string;
  status: 'confirmed' | 'waitlisted';
  seats: number;
  position: number | null;
}

export interface TalkDetail extends Talk {
  myRegistration: MyRegistrationSummary | null;
  /** Who may come, in words ("仅限女性，35–64 岁"); null when anyone may. */
  eligibilityText: string | null;
  /** Whether I may sign up; when not, the code sign-up would answer and its reason. */
  myEligibility: { eligible: boolean; code: string | null; reason: string | null };
  /** Whether I checked in at this session, and whether I have rated it. */
  attended: boolean;
  feedbackGiven: boolean;
}

export interface SignUpResult {
  registrationId: string;
  status: 'confirmed' | 'waitlisted';
  seats: number;
  position?: number;
}

export interface MyRegistration {
  registrationId: string;
  talk: { id: string; title: string; kind: TalkKind; venue: string; startAt: string; endAt: string; status: Talk['status']; cancelCutoffAt: string };
  status: 'pending' | 'confirmed' | 'waitlisted' | 'rejected' | 'cancelled';
  seats: number;
  position: number | null;
  attended: boolean;
  feedbackGiven: boolean;
}

export const KIND_NAMES: Readonly<Record<TalkKind, string>> = labels('talkKind');

export const talksApi = {
  list: (query: { kind?: TalkKind; cursor?: string; scope?: 'mine' | 'all' }) => api.get<{ items: Talk[]; nextCursor: string | null }>('/api/v1/talks', query),
  detail: (id: string, options?: CallOptions) => api.get<TalkDetail>(`/api/v1/talks/${id}`, undefined, options),
  signUp: (id: string, seats: number, key = newIdempotencyKey()) =>
    api.post<SignUpResult>(`/api/v1/talks/${id}/registrations`, { seats }, { idempotencyKey: key }),
  cancel: (id: string) => api.del<{ registrationId: string; status: 'cancelled' }>(`/api/v1/talks/${id}/registrations/me`),
  mine: () => api.get<{ items: MyRegistration[]; nextCursor: string | null }>('/api/v1/me/registrations'),
  checkIn: (id: string, scene: string) => api.post<{ talkId: string; title: string; checkedInAt: string }>(`/api/v1/talks/${id}/checkin`, { scene }),
  feedback: (id: string, rating: number, comment: string) =>
    api.post<{ rating: number; commentState: string }>(`/api/v1/talks/${id}/feedback`, comment ? { rating, comment } : { rating }, {
      idempotencyKey: newIdempotencyKey(),
    }),
};

/** `2026-12-01 09:30` in the district's time (UTC+8, no daylight saving). */
export function formatTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** The talk id carried by a check-in code's scene (`t=<24 hex>.<5>`), or null. */
export function talkIdFromScene(scene: string): string | null {
  const m = /^t=([0-9a-f]{24})\.[A-Za-z0-9]{5}$/.exec(scene);
  return m ? (m[1] as string) : null;
}

/** Ask, then cancel the resident's registration; `after` refreshes the page once it is cancelled. */
export function confirmCancelRegistration(talkId: string, after: () => Promise<unknown>): void {
  confirmThen({ title: '取消报名', content: '确定不去了吗？名额会让给候补的人。', confirmText: '取消报名', cancelText: '我再想想' }, async () => {
    try {
      await talksApi.cancel(talkId);
      wx.showToast({ title: '已取消', icon: 'success' });
      await after();
    } catch {
      // the request wrapper has already shown the reason
    }
  });
}
