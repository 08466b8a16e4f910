import { Campaigns } from '../../src/modules/campaigns/campaigns.model';
import { advance, approvedCandidate, createRound } from '../helpers/selections';
import { staffLogin, TOWN_MS, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { World } from './world';

jest.setTimeout(60_000);
let w: World;
beforeAll(async () => {
  w = await World.create({ STAFF_TOKEN_TTL_HOURS: '168' });
});
afterAll(() => w.close());

test('when voting opens and results are published, then the round’s village groups get the candidate list and the winners, once, and other towns nothing', async () => {
  const [east] = await w.rooms(1, VILLAGE_A, '东村群');
  const [west] = await w.rooms(1, VILLAGE_B, '西村群');
  const [south] = await w.rooms(1, VILLAGE_C, '南村群');
  const town = await staffLogin(w.t, 'town_admin', TOWN_MS);
  const id = await createRound(w.t, town.token, { title: '好邻居评选', kind: 'good_neighbor', winners: 1 });
  await advance(w.t, town.token, id, 'nominating');
  const winner = await approvedCandidate(w.t, id, town.token, town.token, '赵大娘', VILLAGE_A);
  await approvedCandidate(w.t, id, town.token, town.token, '钱大爷', VILLAGE_B);
  await advance(w.t, town.token, id, 'reviewing');
  w.t.clock.advance(2 * 86_400_000 + 60_000);
  expect((await advance(w.t, town.token, id, 'voting')).status).toBe(200);
  await w.drain();
  expect(w.said(east!.room.id)).toEqual([]); // waits for a second approver, like any broadcast
  const district = await staffLogin(w.t, 'district_admin', '370303');
  const approveAll = async () => {
    for (const c of await Campaigns(w.t.db).find({ status: 'pending_review' }).lean()) {
      expect((await w.t.request('POST', `/api/admin/v1/campaigns/${c._id}/approve`, { token: district.token })).status).toBe(200);
    }
  };
  await approveAll();
  await w.drain();
  for (const r of [east!, west!]) {
    expect(w.said(r.room.id)).toHaveLength(1);
    expect(w.said(r.room.id)[0]).toMatch(/^【好邻居评选】投票开始啦！共 2 位候选（东村、西村），每人每天可投 3 票/);
    expect(w.said(r.room.id)[0]).toContain('打开「好邻居评选」');
  }
  expect(w.said(south!.room.id)).toEqual([]);

  const voter = await w.t.request('POST', '/api/v1/auth/login', { body: { code: 'user:voter:1' } });
  await w.t.request('POST', '/api/v1/me/consents', { token: voter.body.token, body: { purpose: 'basic', policyVersion: w.t.app.config.POLICY_VERSION } });
  await w.t.request('PATCH', '/api/v1/me', { token: voter.body.token, body: { villageCode: VILLAGE_A } });
  expect((await w.t.request('POST', `/api/v1/selections/${id}/candidates/${winner}/vote`, { token: voter.body.token })).status).toBe(201);
  w.t.clock.advance(2 * 86_400_000);
  await advance(w.t, town.token, id, 'closed');
  await advance(w.t, town.token, id, 'published');
  await approveAll();
  await w.drain();
  for (const r of [east!, west!]) expect(w.said(r.room.id)[1]).toMatch(/^【好邻居评选】评选结果公布：\n1\. 东村 赵大娘\n/);
  await w.drain();
  for (const r of [east!, west!]) expect(w.said(r.room.id)).toHaveLength(2);
  expect(w.said(south!.room.id)).toEqual([]);
});
