import type { TestApp } from './app';

/** A 1×1 PNG: the smallest real image the photo checks accept. */
export const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** Round times around the test clock: nominating now, voting from +2 days for two days. */
export function roundTimes(t: TestApp) {
  const now = t.clock.now().getTime();
  const at = (days: number) => new Date(now + days * 86_400_000).toISOString();
  return { nominateFrom: at(-1), nominateTo: at(2), voteFrom: at(2), voteTo: at(4) };
}

export async function createRound(t: TestApp, token: string, over: Record<string, unknown> = {}) {
  const res = await t.request('POST', '/api/admin/v1/selections', {
    token,
    body: {
      kind: 'happy_family',
      title: '2026年马尚街道幸福家庭评选',
      rules: '每户一票，事迹真实',
      areaCode: '370303-JD-MS',
      winners: 2,
      votesPerDay: 3,
      ...roundTimes(t),
      ...over,
    },
  });
  if (res.status !== 201) throw new Error(`round: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export async function advance(t: TestApp, token: string, id: string, to: string) {
  return t.request('POST', `/api/admin/v1/selections/${id}/status`, { token, body: { to } });
}

/** A nomination with the nominee's consent, approved by the town. */
export async function approvedCandidate(t: TestApp, id: string, nominator: string, reviewer: string, name: string, villageCode: string) {
  const n = await t.request('POST', `/api/admin/v1/selections/${id}/nominations`, {
    token: nominator,
    body: { subject: 'family', name, villageCode, story: `${name}一家孝老爱亲，邻里和睦，热心村里公益事务。`, consent: { method: 'signed_form' } },
  });
  if (n.status !== 201) throw new Error(`nomination: ${JSON.stringify(n.body)}`);
  const r = await t.request('POST', `/api/admin/v1/selections/${id}/nominations/${n.body.id}/review`, { token: reviewer, body: { decision: 'approve' } });
  if (r.status !== 200) throw new Error(`review: ${JSON.stringify(r.body)}`);
  return n.body.id as string;
}
