/** Selections (评选) API used by the pages under pages/selections. Shapes follow the backend's zod schemas. */
import { apiBase } from '../config';
import { api } from './api';

export interface Round {
  id: string;
  kind: string;
  kindLabel: string;
  title: string;
  rules: string;
  voteFrom: string;
  voteTo: string;
  votesPerDay: number;
  status: 'nominating' | 'reviewing' | 'voting' | 'closed' | 'published';
  statusLabel: string;
}

export interface Candidate {
  id: string;
  subject: 'family' | 'person';
  name: string;
  villageName: string;
  story: string;
  photoIds: string[];
  votes: number | null;
}

export interface RoundView {
  round: Round;
  villages: Array<{ villageCode: string; villageName: string; candidates: Candidate[] }>;
  today: { day: string; votedFor: string[]; remaining: number };
}

export interface Results {
  winners: Array<{ rank: number; nominationId: string; name: string; villageName: string; votes: number; flagged: number }>;
}

export const selectionsApi = {
  rounds: () => api.get<{ items: Round[] }>('/api/v1/selections'),
  round: (id: string) => api.get<RoundView>(`/api/v1/selections/${id}`),
  candidate: (id: string, nid: string) => api.get<Candidate>(`/api/v1/selections/${id}/candidates/${nid}`),
  vote: (id: string, nid: string) => api.post<{ voted: true; remainingToday: number }>(`/api/v1/selections/${id}/candidates/${nid}/vote`),
  results: (id: string) => api.get<Results>(`/api/v1/selections/${id}/results`),
};

/** Public images (approved candidates' photos, winners' certificates) load straight into <image>. */
export const photoUrl = (id: string, nid: string, photoId: string): string => `${apiBase()}/api/v1/selections/${id}/candidates/${nid}/photos/${photoId}`;
export const certificateUrl = (id: string, nid: string): string => `${apiBase()}/api/v1/selections/${id}/winners/${nid}/certificate.svg`;

/** `2026-12-02T02:00:00.000Z` → `12月2日` (Asia/Shanghai). */
export function shortDay(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}
