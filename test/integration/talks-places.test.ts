import { BSON, type CommandStartedEvent, type CommandSucceededEvent } from 'mongodb';
import { Types } from 'mongoose';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS } from '../helpers/fixtures';
import { bulkResidents, inWaves, publishedTalk, type BulkResident } from '../helpers/talks';
import { forgetQueueState } from '../../src/modules/talks/queue-walk';
import { Registrations, TalkQueues, WaitlistHeads } from '../../src/modules/talks/talks.model';
import { sweepTalks } from '../../src/modules/talks/talks.tasks';

jest.setTimeout(180_000);

let t: TestApp;
let staff: string;
let started: CommandStartedEvent[] = [];
let replies: CommandSucceededEvent[] = [];

beforeAll(async () => {
  t = await startTestApp({ monitorCommands: true });
  t.db.getClient().on('commandStarted', (e) => started.push(e));
  t.db.getClient().on('commandSucceeded', (e) => replies.push(e));
  await seedVillages(t);
  staff = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
});
afterAll(() => t.close());

const signUp = (r: BulkResident, talkId: string) => t.request('POST', `/api/v1/talks/${talkId}/registrations`, { token: r.token, body: {} });
const cancel = (r: BulkResident, talkId: string) => t.request('DELETE', `/api/v1/talks/${talkId}/registrations/me`, { token: r.token });

/** Places by definition: 1 + the waitlisted registrations ahead in queue order (seq, _id), by resident id. */
async function placesByDefinition(talkId: string): Promise<Map<string, number>> {
  const waiting = await Registrations(t.db)
    .find({ talkId: new Types.ObjectId(talkId), status: 'waitlisted' })
    .sort({ seq: 1, _id: 1 })
    .lean();
  return new Map(waiting.map((r, i) => [String(r.residentId), i + 1]));
}

/** The place each resident is shown, in "my registrations" and on the session's page, must be the defined one. */
async function expectPlacesRight(talkId: string, residents: BulkResident[]): Promise<number[]> {
  const want = await placesByDefinition(talkId);
  const shown: number[] = [];
  for (const r of residents) {
    const mine = (await t.request('GET', '/api/v1/me/registrations', { token: r.token })).body.items.find(
      (i: { talk: { id: string } }) => i.talk.id === talkId,
    );
    const detail = (await t.request('GET', `/api/v1/talks/${talkId}`, { token: r.token })).body.myRegistration;
    const expected = want.get(r.id) ?? null;
    expect({
      resident: r.id,
      list: mine?.status === 'waitlisted' ? mine.position : null,
      page: detail?.status === 'waitlisted' ? detail.position : null,
    }).toEqual({ resident: r.id, list: expected, page: expected });
    if (expected !== null) shown.push(expected);
  }
  return shown;
}

const heads = async (talkId: string) => WaitlistHeads(t.db).findById(talkId).lean();

/** What one GET /api/v1/me/registrations asks the database for, and the bytes it gets back (login caches aside). */
async function costOfMyList(r: BulkResident) {
  started = [];
  replies = [];
  const res = await t.request('GET', '/api/v1/me/registrations', { token: r.token });
  expect(res.status).toBe(200);
  const cached = new Set(['sessions', 'residents']);
  const mine = started.filter((c) => !cached.has(String(c.command[c.commandName])));
  const ids = new Set(mine.map((c) => c.requestId));
  return {
    body: res.body,
    commands: mine.map((c) => `${c.commandName} ${String(c.command[c.commandName])}`).sort(),
    notByKey: mine.filter((c) => c.commandName !== 'find' || Object.keys(c.command.filter ?? {}).join() !== '_id').map((c) => c.command),
    bytes: replies.filter((e) => ids.has(e.requestId)).reduce((n, e) => n + BSON.calculateObjectSize(e.reply as BSON.Document), 0),
  };
}

describe('waitlist places', () => {
  test('when the waitlist is promoted and residents cancel from its middle, then every place shown is 1 + those waiting ahead', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 2, waitlistEnabled: true });
    const rs = await bulkResidents(t, 10);
    for (const r of rs) expect((await signUp(r, talk.id)).status).toBe(201);
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    // from the middle: the 4th and 6th waiting leave, the others behind them move up
    await cancel(rs[5]!, talk.id);
    await cancel(rs[7]!, talk.id);
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await heads(talk.id)).toMatchObject({ head: 1, next: 9, gone: [4, 6] });

    // promotions: two seats freed, the two at the head are seated
    await cancel(rs[0]!, talk.id);
    await cancel(rs[1]!, talk.id);
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2, 3, 4]);
    // a promotion that reaches a ticket gone before moves the head past it, so the gone list stays short
    await cancel(rs[2]!, talk.id);
    await cancel(rs[3]!, talk.id);
    await cancel(rs[4]!, talk.id);
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1]);
    expect(await heads(talk.id)).toMatchObject({ head: 8, next: 9, gone: [] });

    // a resident who cancelled signs up again at the back with a new ticket
    expect((await signUp(rs[0]!, talk.id)).body).toMatchObject({ status: 'waitlisted', position: 2 });
    expect(await expectPlacesRight(talk.id, rs)).toEqual([2, 1]);
  });

  test('when staff change the session (its queue document forgotten), then places stay right and are read without counting', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 1, waitlistEnabled: true });
    const rs = await bulkResidents(t, 6);
    for (const r of rs) await signUp(r, talk.id);
    await cancel(rs[2]!, talk.id);

    // closing forgets the queue document, and no walk follows to rebuild it
    expect((await t.request('POST', `/api/admin/v1/talks/${talk.id}/close`, { token: staff })).status).toBe(200);
    expect(await TalkQueues(t.db).findById(talk.id).lean()).toBeNull();
    const cost = await costOfMyList(rs[5]!);
    expect(cost.body.items[0]).toMatchObject({ status: 'waitlisted', position: 4 });
    expect(cost.notByKey).toEqual([]);
    await expectPlacesRight(talk.id, rs);

    // a cancellation from the middle while the queue document is missing still moves those behind up
    await cancel(rs[3]!, talk.id);
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2, 3]);
    // an edit walks again (a recount): the same places
    expect((await t.request('PATCH', `/api/admin/v1/talks/${talk.id}`, { token: staff, body: { venue: '社区卫生服务站二楼' } })).status).toBe(200);
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2, 3]);
    expect(await heads(talk.id)).toMatchObject({ head: 1, next: 6, gone: [2, 3] });
    // a seat freed after the recount promotes the head, which moves past the tickets gone
    await cancel(rs[0]!, talk.id);
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2]);
    expect(await heads(talk.id)).toMatchObject({ head: 4, next: 6, gone: [] });
  });

  test('when registrations were waitlisted before tickets existed, then theirs are counted and those behind them are placed by ticket', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 1, waitlistEnabled: true });
    const rs = await bulkResidents(t, 7);
    for (const r of rs.slice(0, 5)) await signUp(r, talk.id);
    const id = new Types.ObjectId(talk.id);
    // as the database held them before tickets: no ticket, no head document
    await Registrations(t.db).updateMany({ talkId: id }, { $unset: { ticket: 1 } });
    await WaitlistHeads(t.db).deleteOne({ _id: talk.id });
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2, 3, 4]);

    // the next walk (the sweep) recounts: four waiting without a ticket, ahead of every ticket to come
    await sweepTalks(t.app);
    expect(await heads(talk.id)).toMatchObject({ untracked: 4, head: 1, next: 1, gone: [] });
    await signUp(rs[5]!, talk.id);
    await signUp(rs[6]!, talk.id);
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await costOfMyList(rs[6]!)).notByKey).toEqual([]);
    // one without a ticket leaves from the middle, another is promoted: those with tickets move up
    await cancel(rs[2]!, talk.id);
    await cancel(rs[0]!, talk.id);
    expect(await heads(talk.id)).toMatchObject({ untracked: 2, head: 1, next: 3 });
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2, 3, 4]);
  });

  test('when a walk failed half-way, then places are counted until the next walk rebuilds them from the tickets', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 1, waitlistEnabled: true });
    const rs = await bulkResidents(t, 5);
    for (const r of rs) await signUp(r, talk.id);
    const id = new Types.ObjectId(talk.id);
    await cancel(rs[2]!, talk.id);
    await forgetQueueState(t.app, id, { places: true });
    expect(await heads(talk.id)).toBeNull();
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2, 3]);
    await sweepTalks(t.app);
    expect(await heads(talk.id)).toMatchObject({ untracked: 0, head: 1, next: 5, gone: [2] });
    expect((await costOfMyList(rs[4]!)).notByKey).toEqual([]);
    await cancel(rs[0]!, talk.id);
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2]);
    expect(await heads(talk.id)).toMatchObject({ head: 3, next: 5, gone: [] });
  });

  test('when a cancellation fails after writing its status, then the walk that follows recounts and places stay right', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 1, waitlistEnabled: true });
    const rs = await bulkResidents(t, 5);
    for (const r of rs) await signUp(r, talk.id);
    const coll = WaitlistHeads(t.db).collection;
    const replaceOne = coll.replaceOne.bind(coll);
    let fail = 1;
    coll.replaceOne = ((...args: Parameters<typeof replaceOne>) =>
      fail-- > 0 ? Promise.reject(new Error('connection reset')) : replaceOne(...args)) as typeof coll.replaceOne;
    try {
      expect((await cancel(rs[2]!, talk.id)).status).toBe(500);
    } finally {
      coll.replaceOne = replaceOne;
    }
    expect(
      (await Registrations(t.db)
        .findOne({ talkId: new Types.ObjectId(talk.id), residentId: new Types.ObjectId(rs[2]!.id) })
        .lean())!.status,
    ).toBe('cancelled');
    expect(await expectPlacesRight(talk.id, rs)).toEqual([1, 2, 3]);
    expect(await heads(talk.id)).toMatchObject({ head: 1, next: 5, gone: [2] });
  });

  test('when I wait last behind 10 or behind 400, then my list costs the same commands and bytes, each a read by key', async () => {
    const [small, big] = [
      await publishedTalk(t, staff, { capacity: 1, waitlistEnabled: true }),
      await publishedTalk(t, staff, { capacity: 1, waitlistEnabled: true }),
    ];
    const [a, b, ...others] = await bulkResidents(t, 402);
    await inWaves(others.slice(0, 11), 11, (r) => signUp(r, small.id));
    await inWaves(others, 100, (r) => signUp(r, big.id));
    expect((await signUp(a!, small.id)).body).toMatchObject({ status: 'waitlisted', position: 11 });
    expect((await signUp(b!, big.id)).body).toMatchObject({ status: 'waitlisted', position: 400 });
    // some leave from the middle of the big one
    for (const r of others.slice(100, 110)) await cancel(r, big.id);

    const [beside10, beside400] = [await costOfMyList(a!), await costOfMyList(b!)];
    expect(beside10.body.items[0]).toMatchObject({ status: 'waitlisted', position: 11 });
    expect(beside400.body.items[0]).toMatchObject({ status: 'waitlisted', position: 390 });
    expect(beside400.commands).toEqual(beside10.commands);
    expect(beside400.notByKey).toEqual([]);
    // the replies differ only by the ten gone tickets the big session's head document lists (a number each)
    expect(beside400.bytes - beside10.bytes).toBeLessThanOrEqual(10 * 16);
  });
});
