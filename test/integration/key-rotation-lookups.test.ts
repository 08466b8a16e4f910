import { Types } from 'mongoose';
import { rotateKeys } from '../../src/keys/rotate';
import { SEALED_VALUE } from '../../src/lib/pii';
import { issueToken } from '../../src/modules/sessions/sessions.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B } from '../helpers/fixtures';
import { bulkResidents, publishedTalk } from '../helpers/talks';

// Lookups by blind index while BLIND_INDEX_OLD_KEY is still set, and a rotation that stops part way.
const NOW = '2026-11-28T02:00:00Z';
const ROTATION = {
  PII_KEY: 'd'.repeat(64),
  PII_KEY_ID: 'k2',
  PII_OLD_KEYS: `k1:${'a'.repeat(64)}`,
  BLIND_INDEX_KEY: 'e'.repeat(64),
  BLIND_INDEX_OLD_KEY: 'b'.repeat(64),
};
const AFTER = { PII_KEY: 'd'.repeat(64), PII_KEY_ID: 'k2', BLIND_INDEX_KEY: 'e'.repeat(64) };
const BULK = 1200;

let dbName: string;
let town: string;
let guardian: string;
let talkId: string;
let firstReferral: string;

const walkIn = (t: TestApp, body: unknown) => t.request('POST', `/api/admin/v1/talks/${talkId}/walk-ins`, { token: town, body });
const WITH_PHONE = { name: '赵桂兰', phone: '13912345678', villageCode: VILLAGE_B };
const NO_PHONE = { name: '钱大爷', villageCode: VILLAGE_A, sex: 'male', birthYear: 1948 };
const CHILD = {
  childName: '李小宝',
  childSex: 'male',
  childBirthDate: '2026-07-10',
  condition: 'cleft_lip',
  diagnosed: true,
  household: ['dibao'],
  guardianRelation: '母亲',
  guardianPhone: '13912345678',
  villageCode: VILLAGE_A,
};

beforeAll(async () => {
  const t = await startTestApp({ now: NOW });
  try {
    dbName = t.db.name;
    await seedVillages(t);
    const staff = await staffLogin(t, 'town_admin', TOWN_MS);
    town = (await issueToken(t.app, 'staff', new Types.ObjectId(staff.id), 24)).token;
    talkId = (await publishedTalk(t, town, {}, 0.5)).id;
    expect((await walkIn(t, WITH_PHONE)).status).toBe(201);
    expect((await walkIn(t, NO_PHONE)).status).toBe(201);
    const g = await residentLogin(t, 'guardian', { village: VILLAGE_A, phone: '13800001111' });
    guardian = g.token;
    expect(
      (
        await t.request('POST', '/api/v1/me/consents', {
          token: guardian,
          body: { purpose: 'child-data', policyVersion: t.app.config.POLICY_VERSION, guardianRelation: '母亲' },
        })
      ).status,
    ).toBe(201);
    const r = await t.request('POST', '/api/v1/referrals', { token: guardian, body: CHILD });
    expect(r.status).toBe(201);
    firstReferral = r.body.id;
    await bulkResidents(t, BULK);
  } finally {
    await t.close(true);
  }
}, 120_000);

async function listFlags(t: TestApp): Promise<Record<string, number>> {
  const list = await t.request('GET', '/api/admin/v1/referrals?limit=100', { token: town });
  expect(list.status).toBe(200);
  return Object.fromEntries(list.body.items.map((i: { id: string; possibleDuplicates: number }) => [i.id, i.possibleDuplicates]));
}

test('when the blind-index key is being rotated, then walk-ins and referrals recorded under the old key are found, a stopped rotation resumes where it stopped, and after it the same lookups hold under the new key alone', async () => {
  const during = await startTestApp({ now: NOW, dbName, config: ROTATION });
  let second;
  try {
    // The same person again at the same session, with and without a phone: recorded under the old key, still found.
    const again = await walkIn(during, { ...WITH_PHONE, phone: ' 13912345678 ' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('WALK_IN_EXISTS');
    expect((await walkIn(during, NO_PHONE)).body.error?.code).toBe('WALK_IN_EXISTS');
    // The same child referred again: the new case (new key) and the first (old key) flag each other.
    const r2 = await during.request('POST', '/api/v1/referrals', { token: guardian, body: { ...CHILD, guardianRelation: '父亲' } });
    expect(r2.status).toBe(201);
    expect(await listFlags(during)).toEqual({ [firstReferral]: 1, [r2.body.id]: 1 });
    const view = await during.request('GET', `/api/admin/v1/referrals/${r2.body.id}`, { token: town });
    expect(view.body.duplicates.map((d: { id: string }) => d.id)).toEqual([firstReferral]);

    // A rotation stopped in the middle of the residents (its progress line fails once the first checkpoint is saved).
    const stop = new Error('stopped');
    await expect(
      rotateKeys(during.app, (line) => {
        if (line.startsWith('  residents: 已检查 500')) throw stop;
      }),
    ).rejects.toBe(stop);
    const saved = await during.db.collection('keyrotations').findOne({});
    expect(saved?.steps['values:residents']).toEqual({ after: expect.any(Types.ObjectId) });
    expect(saved?.steps['values:areas']).toEqual({ done: true });
    const residents = await during.db.collection('residents').countDocuments();
    expect(residents).toBe(BULK + 1);

    second = await rotateKeys(during.app);
    // Finished collections are not scanned again; the residents continue after the 500 already done.
    expect(second.values.find((c) => c.collection === 'areas')?.scanned).toBe(0);
    expect(second.values.find((c) => c.collection === 'residents')?.scanned).toBe(residents - 500);
    expect(second.remaining).toEqual({ values: 0, files: 0, indexes: 0 });
    expect(await during.db.collection('keyrotations').countDocuments()).toBe(0);
    const phones = await during.db
      .collection('residents')
      .find({}, { projection: { phoneEnc: 1 } })
      .toArray();
    expect(phones.every((r) => SEALED_VALUE.exec(r.phoneEnc as string)?.[1] === 'k2')).toBe(true);
    // Run again: idempotent, everything scanned from the start, nothing to do.
    const third = await rotateKeys(during.app);
    expect(third.values.find((c) => c.collection === 'residents')).toMatchObject({ scanned: residents, resealed: 0 });
    expect(third.indexes.every((i) => i.rebuilt === 0)).toBe(true);
  } finally {
    await during.close(true);
  }

  const after = await startTestApp({ now: NOW, dbName, config: AFTER });
  try {
    expect((await walkIn(after, WITH_PHONE)).body.error?.code).toBe('WALK_IN_EXISTS');
    expect((await walkIn(after, NO_PHONE)).body.error?.code).toBe('WALK_IN_EXISTS');
    expect(Object.values(await listFlags(after))).toEqual([1, 1]);
  } finally {
    await after.close();
  }
}, 240_000);
