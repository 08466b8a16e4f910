import { BotSends } from '../../src/notify/governor';
import { Outbox } from '../../src/notify/outbox.model';
import { enqueue } from '../../src/notify/outbox.service';
import { VILLAGE_A } from '../helpers/fixtures';
import { waitFor, World } from './world';

jest.setTimeout(30_000);
let w: World;
let rooms: Awaited<ReturnType<World['rooms']>>;
beforeAll(async () => {
  // Real pacing: 4–9 s gaps, 3 per hour, 5 per day, quiet 21:00–07:30 (Shanghai); time is the fake clock.
  w = await World.create({ BOT_GAP_MIN_MS: '4000', BOT_GAP_MAX_MS: '9000', BOT_HOURLY_CAP: '3', BOT_DAILY_CAP: '5', BOT_QUIET_HOURS: '21:00-07:30' });
  rooms = await w.rooms(6, VILLAGE_A, '节奏');
});
afterAll(() => w.close());

const queue = (tag: string, n = rooms.length) =>
  Promise.all(
    rooms.slice(0, n).map((r) => enqueue(w.t.app, { key: `${tag}:${r.doc._id}`, channel: 'room', payload: { roomId: String(r.doc._id), text: tag } })),
  );
const sentCount = (tag: string) => Outbox(w.t.db).countDocuments({ key: new RegExp(`^${tag}:`), status: 'sent' });

describe('rate governor in delivery (fake clock)', () => {
  test('when it is 22:00 in Shanghai, then nothing is sent; at 07:30 sending resumes', async () => {
    w.t.clock.set('2026-11-28T14:00:00Z');
    await queue('quiet', 1);
    expect(await w.drain()).toBe(0);
    expect(await sentCount('quiet')).toBe(0);
    w.t.clock.set('2026-11-28T23:30:00Z');
    expect(await w.drain()).toBe(1);
  });

  test('when sends follow each other, then they are at least 4 s apart', async () => {
    w.t.clock.set('2026-11-29T02:00:00Z');
    await queue('gap', 2);
    expect(await w.drain()).toBe(1);
    w.t.clock.advance(3999);
    expect(await w.drain()).toBe(0);
    w.t.clock.advance(5001);
    expect(await w.drain()).toBe(1);
  });

  test('when the hourly cap (3) is reached, then the rest wait for the rolling hour; the daily cap (5) holds until the next day', async () => {
    w.t.clock.set('2026-11-29T03:00:00Z');
    await queue('cap');
    let sent = 0;
    for (let i = 0; i < 20; i++) {
      sent += await w.drain();
      w.t.clock.advance(10_000);
    }
    // 2026-11-29 (Shanghai) already has 2 sends (gap test) + the quiet test's 07:30 one: 3 of 5 used.
    expect(sent).toBe(2);
    w.t.clock.set('2026-11-29T05:00:00Z');
    expect(await w.drain()).toBe(0); // daily cap
    w.t.clock.set('2026-11-29T23:30:00Z'); // 07:30 on the 30th
    for (let i = 0; i < 5; i++) {
      await w.drain();
      w.t.clock.advance(10_000);
    }
    expect(await sentCount('cap')).toBe(5); // 2 yesterday + 3 (hourly cap) today
    w.t.clock.advance(3600_000);
    await w.drain();
    expect(await sentCount('cap')).toBe(6);
    const day = await BotSends(w.t.db).countDocuments({ at: { $gte: new Date('2026-11-29T16:00:00Z'), $lt: new Date('2026-11-30T16:00:00Z') } });
    expect(day).toBe(4);
  });

  test('when a keyword is asked during quiet hours, then the late answer is dropped rather than sent next morning', async () => {
    const [r] = rooms;
    w.t.clock.set('2026-11-30T14:00:00Z'); // 22:00
    w.contact('夜猫子').say('帮助').to(r!.room);
    await waitFor(async () => (await Outbox(w.t.db).countDocuments({ 'source.keyword': '帮助' })) === 1);
    w.t.clock.set('2026-11-30T23:30:00Z');
    w.heard.set(r!.room.id, []);
    await w.drain();
    expect(w.said(r!.room.id)).toEqual([]);
    expect(await Outbox(w.t.db).findOne({ 'source.keyword': '帮助' }).lean()).toMatchObject({ status: 'dead', lastError: 'expired before it could be sent' });
  });
});
