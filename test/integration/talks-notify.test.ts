import { Types } from 'mongoose';
import { shanghaiDay } from '../../src/lib/shanghai';
import { Outbox } from '../../src/notify/outbox.model';
import { enqueue } from '../../src/notify/outbox.service';
import { deliverSubscribe, trimTemplateData } from '../../src/notify/subscribe.channel';
import { SubscribeCredits } from '../../src/notify/subscribe-credit.model';
import { sweepTalks } from '../../src/modules/talks/talks.tasks';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS } from '../helpers/fixtures';
import { bulkResidents, publishedTalk, type BulkResident } from '../helpers/talks';

let t: TestApp;
let staff: string;
const HOUR = 3600_000;
const START = '2026-11-28T02:00:00Z';

beforeAll(async () => {
  t = await startTestApp({ config: { WECHAT_SUBSCRIBE_TEMPLATES: JSON.stringify({ talk_reminder: 'TPL_REMIND', referral_status: 'TPL_REFERRAL' }) } });
  await seedVillages(t);
  staff = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
});
afterAll(() => t.close());
beforeEach(async () => {
  t.wechat.reset();
  t.clock.set(START);
  // each test starts with an empty queue so deliveries are only its own
  await Outbox(t.db).deleteMany({});
});

const signUp = (r: BulkResident, id: string) => t.request('POST', `/api/v1/talks/${id}/registrations`, { token: r.token, body: {} });
const accept = (r: BulkResident, keys: string[]) =>
  t.request('POST', '/api/v1/me/subscriptions', { token: r.token, body: { templateKeys: keys, accepted: true } });
const items = (talkId: string) => Outbox(t.db).find({ 'source.talkId': talkId }).sort({ key: 1 }).lean();

describe('queueing', () => {
  test('when a resident is confirmed 72 h ahead, then a 24 h and a 1 h reminder are queued once, even if the sweep runs again', async () => {
    const talk = await publishedTalk(t, staff);
    const [r] = await bulkResidents(t, 1);
    await signUp(r!, talk.id);
    await sweepTalks(t.app);
    await sweepTalks(t.app);
    const subs = (await items(talk.id)).filter((i) => i.channel === 'subscribe');
    const start = new Date(talk.body.startAt).getTime();
    expect(subs.map((s) => [s.key.split(':').pop(), s.notBefore.getTime(), s.payload.templateKey])).toEqual([
      ['remind1h', start - HOUR, 'talk_start'],
      ['remind24h', start - 24 * HOUR, 'talk_reminder'],
    ]);
    expect(subs[0]!.payload).toMatchObject({ residentId: r!.id, page: `pages/talks/detail/index?id=${talk.id}` });
  });

  test('when a session is published, then a room notice for its area stays pending and staff can see it', async () => {
    const talk = await publishedTalk(t, staff);
    const rooms = (await items(talk.id)).filter((i) => i.channel === 'room');
    expect(rooms.map((r) => r.key).sort()).toEqual([`talk:${talk.id}:notice:dayBefore`, `talk:${talk.id}:notice:published`, `talk:${talk.id}:notice:sameDay`]);
    const published = rooms.find((r) => r.key.endsWith('published'))!;
    expect(published.payload).toEqual({ areaCode: TOWN_MS, text: expect.stringContaining(talk.body.title) });
    // who may come, and how to open the session from the mini-program's home page
    expect(published.payload.text).toContain('参加条件：');
    expect(published.payload.text).toContain('点首页“健康讲座”');
    const morning = rooms.find((r) => r.key.endsWith('sameDay'))!;
    expect(morning.notBefore.toISOString()).toBe(new Date(`${shanghaiDay(new Date(talk.body.startAt))}T07:40:00+08:00`).toISOString());
    expect(morning.payload.text).toContain('【今日活动】');
    expect(published.payload).not.toHaveProperty('roomId');
    await deliverSubscribe(t.app, 'w1');
    const seen = await t.request('GET', `/api/admin/v1/talks/${talk.id}/outbox?channel=room`, { token: staff });
    expect(seen.body.items.map((i: { status: string }) => i.status)).toEqual(['pending', 'pending', 'pending']);
  });

  test('when a waitlisted resident is promoted, then a promotion notice and reminders are queued; the leaver’s reminders are cancelled', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 1 });
    const [a, b] = await bulkResidents(t, 2);
    await signUp(a!, talk.id);
    await signUp(b!, talk.id);
    await t.request('DELETE', `/api/v1/talks/${talk.id}/registrations/me`, { token: a!.token });
    const subs = (await items(talk.id)).filter((i) => i.channel === 'subscribe');
    const of = (r: BulkResident) =>
      subs
        .filter((s) => s.payload.residentId === r.id)
        .map((s) => [s.key.split(':').pop(), s.status])
        .sort();
    expect(of(a!)).toEqual([
      ['remind1h', 'cancelled'],
      ['remind24h', 'cancelled'],
    ]);
    expect(of(b!)).toEqual([
      ['promoted', 'pending'],
      ['remind1h', 'pending'],
      ['remind24h', 'pending'],
    ]);
  });

  test('when staff cancel the session, then every registrant gets one cancellation notice and reminders are cancelled', async () => {
    const talk = await publishedTalk(t, staff, { capacity: 1 });
    const [a, b] = await bulkResidents(t, 2);
    await signUp(a!, talk.id);
    await signUp(b!, talk.id);
    await t.request('POST', `/api/admin/v1/talks/${talk.id}/cancel`, { token: staff, body: { reason: '专家临时出诊' } });
    const all = await items(talk.id);
    const pendingSubs = all.filter((i) => i.channel === 'subscribe' && i.status === 'pending');
    expect(pendingSubs.map((s) => [s.payload.residentId, s.key.split(':').pop(), s.payload.templateKey]).sort()).toEqual(
      [
        [a!.id, 'cancelled', 'talk_status'],
        [b!.id, 'cancelled', 'talk_status'],
      ].sort(),
    );
    expect(all.filter((i) => i.status === 'pending' && i.channel === 'room').map((i) => i.key)).toEqual([`talk:${talk.id}:notice:cancelled`]);
  });
});

test('when staff cancel one registration, then that resident gets one notice and the waitlist head is promoted', async () => {
  const talk = await publishedTalk(t, staff, { capacity: 1 });
  const [a, b] = await bulkResidents(t, 2);
  const first = await signUp(a!, talk.id);
  await signUp(b!, talk.id);
  const res = await t.request('DELETE', `/api/admin/v1/talks/${talk.id}/registrations/${first.body.registrationId}`, { token: staff });
  expect(res.status).toBe(200);
  const pending = (await items(talk.id)).filter((i) => i.channel === 'subscribe' && i.status === 'pending');
  expect(
    pending.filter((i) => i.payload.residentId === a!.id).map((i) => [i.key.split(':').pop(), (i.payload.data as Record<string, string>).phrase4]),
  ).toEqual([['removed', '报名取消']]);
  expect(
    pending
      .filter((i) => i.payload.residentId === b!.id)
      .map((i) => i.key.split(':').pop())
      .sort(),
  ).toEqual(['promoted', 'remind1h', 'remind24h']);
  const again = await t.request('DELETE', `/api/admin/v1/talks/${talk.id}/registrations/${first.body.registrationId}`, { token: staff });
  expect(again.status).toBe(404);
});

describe('subscribe delivery', () => {
  test('when the reminder is due and the resident accepted the template, then it is sent with the mapped id and trimmed values, and the credit is used', async () => {
    const talk = await publishedTalk(t, staff, { title: '优生优育进万家——健康公益大讲堂（第十二期）孕产期保健专题' });
    const [r] = await bulkResidents(t, 1);
    expect((await accept(r!, ['talk_reminder', 'talk_start', 'talk_status'])).body.credits).toEqual({ talk_reminder: 1, talk_start: 1, talk_status: 1 });
    await signUp(r!, talk.id);
    expect((await deliverSubscribe(t.app, 'w1')).sent).toBe(0); // not due yet
    t.clock.set(new Date(new Date(talk.body.startAt).getTime() - 24 * HOUR));
    expect(await deliverSubscribe(t.app, 'w1')).toMatchObject({ sent: 1, dead: 0 });
    expect(t.wechat.sent).toHaveLength(1);
    const msg = t.wechat.sent[0]!;
    expect(msg).toMatchObject({ touser: r!.openid, template_id: 'TPL_REMIND', page: `pages/talks/detail/index?id=${talk.id}` });
    expect([...msg.data.thing1!.value]).toHaveLength(20);
    expect(msg.data.thing1!.value.endsWith('…')).toBe(true);
    expect(msg.data.phrase4!.value.length).toBeLessThanOrEqual(5);
    const credits = await t.request('GET', '/api/v1/me/subscriptions', { token: r!.token });
    expect(credits.body.credits).toEqual({ talk_start: 1, talk_status: 1 });
    // a second round sends nothing more
    expect((await deliverSubscribe(t.app, 'w2')).sent).toBe(0);
  });

  test('when WeChat answers 43101, then the credit is consumed and the item is dead without retry', async () => {
    const talk = await publishedTalk(t, staff);
    const [r] = await bulkResidents(t, 1);
    await accept(r!, ['talk_reminder']);
    await signUp(r!, talk.id);
    t.wechat.unsubscribed.add(r!.openid);
    t.clock.set(new Date(new Date(talk.body.startAt).getTime() - 24 * HOUR));
    expect(await deliverSubscribe(t.app, 'w1')).toMatchObject({ sent: 0, dead: 1, retried: 0 });
    const item = await Outbox(t.db)
      .findOne({ key: { $regex: 'remind24h$' }, 'source.talkId': talk.id })
      .lean();
    expect(item).toMatchObject({ status: 'dead', attempts: 1 });
    expect(item!.lastError).toMatch(/^43101/);
    expect(await SubscribeCredits(t.db).countDocuments({ residentId: new Types.ObjectId(r!.id) })).toBe(0);
    t.clock.advance(HOUR);
    expect(await deliverSubscribe(t.app, 'w1')).toMatchObject({ sent: 0, dead: 0, retried: 0 });
    expect((await Outbox(t.db).findById(item!._id).lean())!.attempts).toBe(1);
    expect(t.wechat.sent).toHaveLength(0);
  });

  test('when WeChat is busy (-1), then the item is retried later with backoff, the credit kept, and sent on the retry', async () => {
    const talk = await publishedTalk(t, staff);
    const [r] = await bulkResidents(t, 1);
    await accept(r!, ['talk_reminder']);
    await signUp(r!, talk.id);
    t.clock.set(new Date(new Date(talk.body.startAt).getTime() - 24 * HOUR));
    t.wechat.failNext('subscribe.send', -1, 3); // the client's own two quick retries fail too
    expect(await deliverSubscribe(t.app, 'w1', 60_000)).toMatchObject({ sent: 0, retried: 1 });
    const item = await Outbox(t.db)
      .findOne({ key: { $regex: 'remind24h$' }, 'source.talkId': talk.id })
      .lean();
    expect(item).toMatchObject({ status: 'pending', attempts: 1 });
    expect(item!.notBefore.getTime()).toBeGreaterThanOrEqual(t.clock.now().getTime() + 30_000);
    expect(await SubscribeCredits(t.db).countDocuments({ residentId: new Types.ObjectId(r!.id), templateKey: 'talk_reminder' })).toBe(1);
    expect((await deliverSubscribe(t.app, 'w1', 60_000)).sent).toBe(0); // backoff not over
    t.clock.advance(2 * 60_000);
    expect((await deliverSubscribe(t.app, 'w1', 60_000)).sent).toBe(1);
    expect(t.wechat.sent).toHaveLength(1);
    expect(await SubscribeCredits(t.db).countDocuments({ residentId: new Types.ObjectId(r!.id) })).toBe(0);
  });

  test('when the resident never accepted the template, then the item is dead with NO_CREDIT and nothing is sent', async () => {
    const talk = await publishedTalk(t, staff);
    const [r] = await bulkResidents(t, 1);
    await signUp(r!, talk.id);
    t.clock.set(new Date(new Date(talk.body.startAt).getTime() - HOUR));
    const stats = await deliverSubscribe(t.app, 'w1');
    expect(stats.dead).toBe(2);
    expect(t.wechat.sent).toHaveLength(0);
    expect((await Outbox(t.db).find({ 'source.talkId': talk.id, channel: 'subscribe' }).lean()).map((i) => i.lastError?.slice(0, 9))).toEqual([
      'NO_CREDIT',
      'NO_CREDIT',
    ]);
  });

  test('when another module queues any template key, then the channel delivers it generically', async () => {
    const [r] = await bulkResidents(t, 1);
    await accept(r!, ['referral_status']);
    await enqueue(t.app, {
      key: `referral:x:status`,
      channel: 'subscribe',
      payload: {
        residentId: r!.id,
        templateKey: 'referral_status',
        data: { character_string1: 'R'.repeat(40), name2: '欧阳娜娜娜娜娜娜娜娜娜娜', thing3: '已转诊' },
      },
    });
    expect((await deliverSubscribe(t.app, 'w1')).sent).toBe(1);
    expect(t.wechat.sent[0]).toMatchObject({
      template_id: 'TPL_REFERRAL',
      data: { character_string1: { value: 'R'.repeat(32) }, name2: { value: '欧阳娜娜娜娜娜娜娜娜' }, thing3: { value: '已转诊' } },
    });
  });

  test('when two workers deliver at once, then each message is sent once and one credit is spent per message', async () => {
    const talk = await publishedTalk(t, staff);
    const rs = await bulkResidents(t, 5);
    for (const r of rs) {
      await accept(r, ['talk_start']);
      await signUp(r, talk.id);
    }
    t.clock.set(new Date(new Date(talk.body.startAt).getTime() - HOUR));
    const [a, b] = await Promise.all([deliverSubscribe(t.app, 'w1'), deliverSubscribe(t.app, 'w2')]);
    expect(a.sent + b.sent).toBe(5);
    expect(t.wechat.sent).toHaveLength(5);
    expect(new Set(t.wechat.sent.map((m) => m.touser)).size).toBe(5);
    expect(await SubscribeCredits(t.db).countDocuments({ residentId: { $in: rs.map((r) => new Types.ObjectId(r.id)) }, templateKey: 'talk_start' })).toBe(0);
  });
});

describe('subscription credits', () => {
  test('when only some templates are accepted, then only those get credits; an unrequested key is refused', async () => {
    const [r] = await bulkResidents(t, 1);
    const res = await t.request('POST', '/api/v1/me/subscriptions', {
      token: r!.token,
      body: { templateKeys: ['talk_reminder', 'talk_start'], accepted: ['talk_start'] },
    });
    expect(res.status).toBe(201);
    expect(res.body.credits).toEqual({ talk_start: 1 });
    const bad = await t.request('POST', '/api/v1/me/subscriptions', { token: r!.token, body: { templateKeys: ['talk_start'], accepted: ['talk_status'] } });
    expect(bad.status).toBe(400);
  });

  test('when values are longer than WeChat allows, then each is trimmed by its field type', () => {
    expect(trimTemplateData({ thing1: '一'.repeat(25), phrase2: '候补成功了呀', time3: '2026-12-01 09:30', number4: 7 })).toEqual({
      thing1: { value: `${'一'.repeat(19)}…` },
      phrase2: { value: '候补成功了' },
      time3: { value: '2026-12-01 09:30' },
      number4: { value: '7' },
    });
  });
});
