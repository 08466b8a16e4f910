import type { CommandStartedEvent } from 'mongodb';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS } from '../helpers/fixtures';
import { bulkResidents, inWaves, publishedTalk, type BulkResident } from '../helpers/talks';
import { Registrations } from '../../src/modules/talks/talks.model';
import { backfillResidentEntries } from '../../src/modules/talks/resident-entries';

jest.setTimeout(120_000);

let t: TestApp;
let staff: string;
let commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  t = await startTestApp({ monitorCommands: true });
  t.db.getClient().on('commandStarted', (e) => commands.push(e));
  await seedVillages(t);
  staff = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
});
afterAll(() => t.close());

const signUp = (r: BulkResident, talkId: string) => t.request('POST', `/api/v1/talks/${talkId}/registrations`, { token: r.token, body: {} });

/** The reads one GET /api/v1/me/registrations sends to the database: command, collection and filter. */
async function readsOfMyList(r: BulkResident): Promise<{ body: any; reads: Array<{ cmd: string; coll: string; filter: unknown }> }> {
  commands = [];
  const res = await t.request('GET', '/api/v1/me/registrations', { token: r.token });
  expect(res.status).toBe(200);
  const reads = commands
    .filter((c) => ['find', 'aggregate', 'count', 'distinct'].includes(c.commandName))
    .map((c) => ({ cmd: c.commandName, coll: String(c.command[c.commandName]), filter: c.command.filter ?? c.command.query ?? c.command.pipeline }));
  return { body: res.body, reads };
}

/** A lookup the server answers from the key alone: `{_id: value}` and nothing else. */
const byKey = (filter: unknown) =>
  typeof filter === 'object' &&
  filter !== null &&
  !Array.isArray(filter) &&
  Object.keys(filter).length === 1 &&
  '_id' in filter &&
  (typeof (filter as { _id: unknown })._id !== 'object' || (filter as { _id: { _bsontype?: string } })._id?._bsontype === 'ObjectId');

describe('my registrations', () => {
  test('when 150 other residents sign up for my sessions, then my list reads the same documents, each by its key', async () => {
    const [me, ...others] = await bulkResidents(t, 151);
    const big = await publishedTalk(t, staff, { capacity: 20, waitlistEnabled: true });
    const small = await publishedTalk(t, staff, { capacity: 5 });
    // I am waitlisted on the big session behind 20 others, and hold a seat on the small one
    await inWaves(others.slice(0, 20), 20, (r) => signUp(r, big.id));
    expect((await signUp(me!, big.id)).body.status).toBe('waitlisted');
    expect((await signUp(me!, small.id)).body.status).toBe('confirmed');

    const before = await readsOfMyList(me!);
    expect(before.body.items.map((i: { status: string; position: number | null }) => [i.status, i.position])).toEqual([
      ['confirmed', null],
      ['waitlisted', 1],
    ]);

    await inWaves(others.slice(20), 65, (r) => signUp(r, big.id));
    const after = await readsOfMyList(me!);
    expect(after.body).toEqual(before.body);

    // the same reads, and none of them a scan over other residents' registrations, keys, attendance or feedback
    // (the login session and resident come from a short-lived cache, so whether they are read depends on the clock)
    const dataReads = (reads: typeof before.reads) =>
      reads
        .filter((r) => !['sessions', 'residents'].includes(r.coll))
        .map((r) => `${r.cmd} ${r.coll}`)
        .sort();
    expect(dataReads(after.reads)).toEqual(dataReads(before.reads));
    const residentData = after.reads.filter((r) => !['talks', 'sessions', 'residents'].includes(r.coll));
    expect(residentData.length).toBeGreaterThan(0);
    expect(residentData.filter((r) => !byKey(r.filter))).toEqual([]);
  });

  test('when a resident has more registrations than a page, then the pages follow each other newest first without gaps', async () => {
    const [me] = await bulkResidents(t, 1);
    const talks = [];
    for (let i = 0; i < 5; i++) talks.push(await publishedTalk(t, staff, { capacity: 3, title: `讲座 ${i}` }));
    for (const talk of talks) expect((await signUp(me!, talk.id)).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await t.request('GET', `/api/v1/me/registrations?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        token: me!.token,
      });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: { talk: { title: string } }) => i.talk.title));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['讲座 4', '讲座 3', '讲座 2', '讲座 1', '讲座 0']);
  });

  test('when registrations were made before my-registrations entries were kept, then the start-up backfill lists them once, beside live entries', async () => {
    const [me] = await bulkResidents(t, 1);
    const old = [await publishedTalk(t, staff, { capacity: 3, title: '旧讲座 0' }), await publishedTalk(t, staff, { capacity: 3, title: '旧讲座 1' })];
    // as the database held them before entries existed: registrations without entries
    for (const talk of old) {
      await Registrations(t.db).create({ talkId: talk.id, residentId: me!.id, areaPath: [], seats: 1, status: 'confirmed', seq: 1, createdAt: t.clock.now() });
    }
    expect((await t.request('GET', '/api/v1/me/registrations', { token: me!.token })).body.items).toEqual([]);
    const fresh = await publishedTalk(t, staff, { capacity: 3, title: '新讲座' });
    expect((await signUp(me!, fresh.id)).status).toBe(201);

    expect((await backfillResidentEntries(t.app, { again: true }))!.inserted).toBeGreaterThanOrEqual(2);
    const titles = async () =>
      (await t.request('GET', '/api/v1/me/registrations', { token: me!.token })).body.items.map((i: { talk: { title: string } }) => i.talk.title);
    expect(await titles()).toEqual(['新讲座', '旧讲座 1', '旧讲座 0']);
    // idempotent: a second run adds nothing, and once done it is skipped at start
    expect(await backfillResidentEntries(t.app, { again: true })).toEqual({ inserted: 0 });
    expect(await backfillResidentEntries(t.app)).toBeNull();
    expect(await titles()).toEqual(['新讲座', '旧讲座 1', '旧讲座 0']);
  });
});
