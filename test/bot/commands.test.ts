import { types } from 'wechaty';
import { Campaigns } from '../../src/modules/campaigns/campaigns.model';
import { Outbox } from '../../src/notify/outbox.model';
import { REFUSAL } from '../../src/bot/staff-commands';
import { staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { waitFor, World } from './world';

let w: World;
beforeAll(async () => {
  w = await World.create();
});
afterAll(() => w.close());

describe('keyword replies', () => {
  test('when a resident sends 答题 in a bound group, then the bot answers once with the text and a link', async () => {
    const { room } = await w.boundRoom('关键词群', VILLAGE_A);
    const r = w.contact('李大娘');
    r.say('答题').to(room);
    await waitFor(async () => (await Outbox(w.t.db).countDocuments({ key: /^reply:/, 'payload.roomId': { $exists: true } })) > 0);
    await w.drain();
    expect(w.said(room.id)).toHaveLength(1);
    expect(w.said(room.id)[0]).toContain('健康知识答题');
    expect(w.said(room.id)[0]).toContain('小程序');
  });

  test('when the keyword follows a mention of the bot, then it is still understood', async () => {
    const { room } = await w.boundRoom('提及群', VILLAGE_C);
    w.contact('周七').say('@健康小助手\u2005唇腭裂').to(room);
    await waitFor(async () => (await Outbox(w.t.db).countDocuments({ 'source.keyword': '唇腭裂' })) === 1);
    await w.drain();
    expect(w.said(room.id)).toHaveLength(1);
    expect(w.said(room.id)[0]).toContain('唇腭裂');
  });

  test('when the same keyword is spammed, then one answer per cool-down; after it, one more', async () => {
    const { room } = await w.boundRoom('刷屏群', VILLAGE_B);
    const r = w.contact('王二');
    for (let i = 0; i < 5; i++) r.say('讲座').to(room);
    r.say('保险').to(room);
    await waitFor(async () => (await Outbox(w.t.db).countDocuments({ 'source.keyword': { $in: ['讲座', '保险'] } })) >= 2);
    await new Promise((res) => setTimeout(res, 200));
    await w.drain();
    expect(w.said(room.id)).toHaveLength(2);
    w.t.clock.advance(301_000);
    r.say('讲座').to(room);
    await waitFor(async () => (await Outbox(w.t.db).countDocuments({ 'source.keyword': '讲座' })) === 2);
    await w.drain();
    expect(w.said(room.id)).toHaveLength(3);
  });

  test('when a keyword comes from an unbound group or from the bot itself, then nothing is answered', async () => {
    const r = w.contact('赵四');
    const unbound = w.room('没绑定的群', [r]);
    const { room: bound } = await w.boundRoom('自言自语群', VILLAGE_A);
    r.say('帮助').to(unbound);
    w.me.say('帮助').to(bound);
    const before = await Outbox(w.t.db).countDocuments();
    await new Promise((res) => setTimeout(res, 300));
    await w.drain();
    expect(w.said(unbound.id)).toHaveLength(0);
    expect(w.said(bound.id)).toEqual(['帮助']); // only its own line, no answer to itself
    expect(await Outbox(w.t.db).countDocuments()).toBe(before);
  });

  test('when a message is replayed (same id), older than the start, or not text, then it is ignored', async () => {
    const { room } = await w.boundRoom('重放群', VILLAGE_C);
    const r = w.contact('钱五');
    const id = 'replayed-message-1';
    w.mocker.MessageMock.create({
      id,
      talkerId: r.id,
      roomId: room.id,
      text: '帮助',
      timestamp: Date.now(),
      type: types.Message.Text,
      mentionIdList: [],
    } as never);
    w.mocker.puppet.emit('message', { messageId: id });
    await waitFor(async () => (await Outbox(w.t.db).countDocuments({ key: `reply:${id}` })) === 1);
    w.mocker.puppet.emit('message', { messageId: id });
    const old = 'old-message-1';
    w.mocker.MessageMock.create({
      id: old,
      talkerId: r.id,
      roomId: room.id,
      text: '保险',
      timestamp: Date.now() - 3600_000,
      type: types.Message.Text,
      mentionIdList: [],
    } as never);
    w.mocker.puppet.emit('message', { messageId: old });
    const image = 'image-message-1';
    w.mocker.MessageMock.create({
      id: image,
      talkerId: r.id,
      roomId: room.id,
      text: '答题',
      timestamp: Date.now(),
      type: types.Message.Image,
      mentionIdList: [],
    } as never);
    w.mocker.puppet.emit('message', { messageId: image });
    await new Promise((res) => setTimeout(res, 300));
    await w.drain();
    expect(w.said(room.id)).toHaveLength(1);
    expect(await Outbox(w.t.db).countDocuments({ key: { $in: [`reply:${old}`, `reply:${image}`] } })).toBe(0);
  });

  test('when staff edit a keyword, then the group gets the new text', async () => {
    const admin = await staffLogin(w.t, 'district_admin', '370303');
    const put = await w.t.request('PUT', `/api/admin/v1/bot/keywords/${encodeURIComponent('帮助')}`, {
      token: admin.token,
      body: { reply: '有事找村医小刘。' },
    });
    expect(put.status).toBe(200);
    const { room } = await w.boundRoom('编辑群', VILLAGE_A);
    w.contact('孙六').say('帮助').to(room);
    await waitFor(async () => (await Outbox(w.t.db).countDocuments({ 'source.keyword': '帮助', status: 'pending' })) === 1);
    await w.drain();
    expect(w.said(room.id)).toEqual(['有事找村医小刘。']);
    const worker = await staffLogin(w.t, 'village_worker', VILLAGE_A);
    expect((await w.t.request('PUT', '/api/admin/v1/bot/keywords/x', { token: worker.token, body: { reply: 'y' } })).status).toBe(403);
  });
});

describe('staff broadcast by private chat', () => {
  test('when an unknown contact writes to the bot, then a polite refusal and nothing is queued', async () => {
    const stranger = w.contact('陌生人');
    const before = await Campaigns(w.t.db).countDocuments();
    stranger.say('广播 全部 明天停水').to(w.me);
    await waitFor(() => w.said(stranger.id).length === 1);
    expect(w.said(stranger.id)[0]).toBe(REFUSAL);
    expect(await Campaigns(w.t.db).countDocuments()).toBe(before);
  });

  test('when a town admin sends 广播, then a preview with the count; 确认 submits it, and once another approver approves it goes once to every group', async () => {
    const a = await w.boundRoom('马尚甲群', VILLAGE_A);
    const b = await w.boundRoom('马尚乙群', VILLAGE_B);
    const c = await w.boundRoom('南定群', VILLAGE_C);
    const phone = w.contact('马尚街道刘主任');
    await w.staff('town_admin', TOWN_MS, phone.id);
    const activeInTown = await w.t.request('GET', '/api/admin/v1/bot/rooms?active=true', { token: (await staffLogin(w.t, 'town_admin', TOWN_MS)).token });
    phone.say('广播 全部 明天上午九点村卫生室免费量血压').to(w.me);
    await waitFor(() => w.said(phone.id).length === 1);
    const preview = w.said(phone.id)[0]!;
    expect(preview).toContain(`马尚街道（${activeInTown.body.items.length} 个群）`);
    expect(preview).toContain('明天上午九点村卫生室免费量血压');
    const code = /确认 (\d{6})/.exec(preview)![1]!;
    await w.drain();
    expect(w.said(a.room.id)).toHaveLength(0); // nothing before confirmation
    phone.say(`确认 ${code}`).to(w.me);
    phone.say(`确认 ${code}`).to(w.me);
    await waitFor(() => w.said(phone.id).length === 3);
    expect(w.said(phone.id).filter((s) => s.includes('已提交审核'))).toHaveLength(1);
    expect(w.said(phone.id).filter((s) => s.includes('已经处理过了'))).toHaveLength(1);
    await w.drain();
    expect(w.said(a.room.id)).toHaveLength(0); // nothing before another approver approves
    const queued = await Campaigns(w.t.db)
      .findOne({ title: `群聊广播 ${code}` })
      .lean();
    const district = await staffLogin(w.t, 'district_admin', '370303');
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${queued!._id}/approve`, { token: district.token })).body.status).toBe('finished');
    await w.drain();
    expect(w.said(a.room.id)).toEqual(['明天上午九点村卫生室免费量血压']);
    expect(w.said(b.room.id)).toEqual(['明天上午九点村卫生室免费量血压']);
    expect(w.said(c.room.id)).toEqual([]);
  });

  test('when staff cancel, then nothing is sent and a later confirm is refused', async () => {
    const { room } = await w.boundRoom('取消测试群', VILLAGE_C);
    const phone = w.contact('南定镇干部');
    await w.staff('town_admin', '370303-Z-ND', phone.id);
    phone.say('广播 南村 今晚停电').to(w.me);
    await waitFor(() => w.said(phone.id).length === 1);
    const code = /取消 (\d{6})/.exec(w.said(phone.id)[0]!)![1]!;
    phone.say(`取消 ${code}`).to(w.me);
    await waitFor(() => w.said(phone.id).length === 2);
    phone.say(`确认 ${code}`).to(w.me);
    await waitFor(() => w.said(phone.id).length === 3);
    expect(w.said(phone.id)[1]).toContain('已取消');
    expect(w.said(phone.id)[2]).toContain('已经处理过了');
    await w.drain();
    expect(w.said(room.id)).toEqual([]);
  });

  test('when a village worker confirms, then it waits for review and is sent only after approval', async () => {
    const { room } = await w.boundRoom('审核群', VILLAGE_C);
    const phone = w.contact('南村网格员');
    await w.staff('village_worker', VILLAGE_C, phone.id);
    phone.say('广播 全部 周六义诊').to(w.me);
    await waitFor(() => w.said(phone.id).length === 1);
    const code = /确认 (\d{6})/.exec(w.said(phone.id)[0]!)![1]!;
    phone.say(`确认 ${code}`).to(w.me);
    await waitFor(() => w.said(phone.id).length === 2);
    expect(w.said(phone.id)[1]).toContain('已提交审核');
    await w.drain();
    expect(w.said(room.id)).toEqual([]);
    const c = await Campaigns(w.t.db)
      .findOne({ title: `群聊广播 ${code}` })
      .lean();
    expect(c?.status).toBe('pending_review');
    const boss = await staffLogin(w.t, 'town_admin', '370303-Z-ND');
    expect((await w.t.request('POST', `/api/admin/v1/campaigns/${c!._id}/approve`, { token: boss.token })).body.status).toBe('finished');
    await w.drain();
    expect(w.said(room.id)).toEqual(['周六义诊']);
  });
});
