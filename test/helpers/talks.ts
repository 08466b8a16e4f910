import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { Areas } from '../../src/modules/areas/areas.model';
import { Residents } from '../../src/modules/residents/residents.model';
import { issueToken } from '../../src/modules/sessions/sessions.service';
import type { TestApp } from './app';
import { VILLAGE_A } from './fixtures';

export interface BulkResident {
  id: string;
  token: string;
  openid: string;
}

/**
 * Many residents with basic consent in a village, written straight to the database (logging hundreds in
 * through the API would dominate the test's time).
 */
export async function bulkResidents(
  t: TestApp,
  n: number,
  opts: { village?: string; sex?: 'male' | 'female'; birthYear?: number } = {},
): Promise<BulkResident[]> {
  const village = await Areas(t.db)
    .findOne({ code: opts.village ?? VILLAGE_A })
    .lean();
  if (!village) throw new Error('seed villages first');
  const now = t.clock.now();
  const tag = crypto.randomBytes(4).toString('hex');
  const docs = Array.from({ length: n }, (_, i) => ({
    _id: new Types.ObjectId(),
    openid: `o-bulk-${tag}-${i}`,
    createdAt: now,
    lastLoginAt: now,
    nameEnc: t.app.pii.seal(`居民${i}`),
    phoneEnc: t.app.pii.seal(`138${String(i).padStart(8, '0')}`),
    villageCode: village.code,
    areaPath: village.path,
    elderlyMode: false,
    consents: { basic: { policyVersion: t.app.config.POLICY_VERSION, grantedAt: now } },
    ...(opts.sex ? { sex: opts.sex } : {}),
    ...(opts.birthYear ? { birthYear: opts.birthYear } : {}),
  }));
  await Residents(t.db).insertMany(docs);
  const out: BulkResident[] = [];
  for (let i = 0; i < docs.length; i += 100) {
    const chunk = docs.slice(i, i + 100);
    const tokens = await Promise.all(chunk.map((d) => issueToken(t.app, 'resident', d._id, 24 * 30)));
    chunk.forEach((d, j) => out.push({ id: String(d._id), token: tokens[j]!.token, openid: d.openid }));
  }
  return out;
}

const HOUR = 3600_000;

/** A published session starting `startsInHours` after the test clock, with sensible defaults. */
export async function publishedTalk(
  t: TestApp,
  staffToken: string,
  overrides: Record<string, unknown> = {},
  startsInHours = 72,
): Promise<{ id: string; checkinScene: string; body: any }> {
  const start = new Date(t.clock.now().getTime() + startsInHours * HOUR);
  const body = {
    kind: 'lecture',
    title: '优生优育进万家——健康公益大讲堂',
    venue: '马尚街道卫生服务中心三楼会议室',
    areaCode: '370303-JD-MS',
    startAt: start.toISOString(),
    endAt: new Date(start.getTime() + 2 * HOUR).toISOString(),
    capacity: 10,
    ...overrides,
  };
  const created = await t.request('POST', '/api/admin/v1/talks', { token: staffToken, body });
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  const published = await t.request('POST', `/api/admin/v1/talks/${created.body.id}/publish`, { token: staffToken });
  if (published.status !== 200) throw new Error(`publish failed: ${JSON.stringify(published.body)}`);
  return { id: created.body.id, checkinScene: published.body.checkinScene, body: published.body };
}

/** Run `fn` over items with at most `width` in flight, keeping results in order. */
export async function inWaves<T, R>(items: T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    out.push(...(await Promise.all(items.slice(i, i + width).map((x, j) => fn(x, i + j)))));
  }
  return out;
}
