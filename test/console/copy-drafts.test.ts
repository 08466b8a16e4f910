import { AuditLog } from '../../src/modules/audit/audit.model';
import { Campaigns } from '../../src/modules/campaigns/campaigns.model';
import { Talks } from '../../src/modules/talks/talks.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { boundGroups, VILLAGE_A } from '../helpers/fixtures';
import { signIn } from './browser';
import { expectAccessible, expectMessageVisible, journey } from './ui';

// Journey: a town admin copies a session into a new draft (landing on its edit page) and a village worker copies
// a campaign of theirs into a new draft, on a phone, then a sent broadcast, which they reword and submit again;
// each copy audited.
const ids = { talk: '', campaign: '', broadcast: '' };
const j = journey('copy-drafts', async (t) => {
  await createStaff(t.app, { username: 'mashang', password: 'mashang-pass-1', role: 'town_admin', areaCode: '370303-JD-MS', displayName: '马尚街道管理员' });
  await createStaff(t.app, { username: 'dongcun', password: 'dongcun-pass-1', role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村网格员' });
  await boundGroups(t, VILLAGE_A, ['东村一组群']);
  const login = async (username: string, password: string) =>
    (await t.request('POST', '/api/admin/v1/auth/login', { body: { username, password } })).body.token as string;
  const start = new Date(t.clock.now().getTime() + 3 * 86_400_000);
  const talk = await t.request('POST', '/api/admin/v1/talks', {
    token: await login('mashang', 'mashang-pass-1'),
    body: {
      kind: 'lecture',
      title: '高血压防治讲座',
      venue: '马尚街道卫生服务中心',
      areaCode: '370303-JD-MS',
      startAt: start.toISOString(),
      endAt: new Date(start.getTime() + 7_200_000).toISOString(),
      capacity: 40,
    },
  });
  ids.talk = talk.body.id;
  const c = await t.request('POST', '/api/admin/v1/campaigns', {
    token: await login('dongcun', 'dongcun-pass-1'),
    body: { title: '春季义诊', text: '三月一日村委会义诊', targets: { areaCodes: [VILLAGE_A] }, schedule: { kind: 'cron', cron: '0 9 * * 1' } },
  });
  ids.campaign = c.body.id;
  const b = await t.request('POST', '/api/admin/v1/broadcasts', {
    token: await login('dongcun', 'dongcun-pass-1'),
    body: { text: '明早八点村委会免费量血压', targets: { areaCodes: [VILLAGE_A] } },
  });
  ids.broadcast = b.body.id;
  await t.request('POST', `/api/admin/v1/campaigns/${b.body.id}/approve`, { token: await login('mashang', 'mashang-pass-1') });
});

test('journey: a session, a campaign and a broadcast copied into new drafts', async () => {
  const d = await j.open();
  await signIn(d, 'mashang', 'mashang-pass-1');
  await d.page.goto(`/admin/talks/${ids.talk}`);
  // copying waits behind 更多 on a session, with the other less frequent actions
  await d.page.getByRole('button', { name: '更多 ▾' }).click();
  await d.page.locator('[data-test=talk-copy]').click();
  await expectMessageVisible(d, '已复制为新草稿“高血压防治讲座（副本）”');
  await d.page.waitForURL(/\/admin\/talks\/[0-9a-f]{24}\/edit/);
  const talkCopy = (await Talks(j.t.db).findOne({ title: '高血压防治讲座（副本）' }).lean())!;
  expect(d.page.url()).toContain(String(talkCopy._id));
  expect(talkCopy.status).toBe('draft');
  await d.shot('copy-drafts-01-talk-copied');
  await expectAccessible(d);

  const w = await j.open({ width: 375, height: 812 });
  await signIn(w, 'dongcun', 'dongcun-pass-1');
  await w.page.goto(`/admin/campaigns/${ids.campaign}`);
  await w.page.getByRole('button', { name: '复制为新草稿' }).click();
  await expectMessageVisible(w, '已复制为新草稿“春季义诊（副本）”');
  await w.page.getByText('春季义诊（副本）').first().waitFor();
  const campaignCopy = (await Campaigns(j.t.db).findOne({ title: '春季义诊（副本）' }).lean())!;
  expect(w.page.url()).toContain(String(campaignCopy._id));
  await w.shot('copy-drafts-02-campaign-copied-phone');
  await expectAccessible(w);

  // A broadcast sent last week, copied as a draft broadcast: reworded and submitted, it goes out once approved.
  await w.page.goto(`/admin/campaigns/${ids.broadcast}`);
  await w.page.getByRole('button', { name: '复制为新草稿' }).click();
  await expectMessageVisible(w, '已复制为新草稿“广播：明早八点村委会免费量血压（副本）”');
  await w.page.locator('[data-test=campaign-status]').getByText('草稿', { exact: true }).waitFor();
  await w.shot('copy-drafts-03-broadcast-copied-phone');
  await expectAccessible(w);
  await w.page.getByRole('button', { name: '修改' }).click();
  const text = w.page.getByLabel('群消息内容');
  for (let i = 0; i < 50 && (await text.inputValue()) !== '明早八点村委会免费量血压'; i++) await w.page.waitForTimeout(200);
  expect(await text.inputValue()).toBe('明早八点村委会免费量血压'); // the draft's text, loaded to reword
  await text.fill('下周一早八点村委会免费量血压');
  await w.page.getByRole('button', { name: '提交审核' }).click();
  await expectMessageVisible(w, '已提交审核');
  await w.page.locator('[data-test=campaign-status]').getByText('待审核').waitFor();
  const broadcastCopy = (await Campaigns(j.t.db).findOne({ text: '下周一早八点村委会免费量血压' }).lean())!;
  expect(broadcastCopy).toMatchObject({ kind: 'broadcast', status: 'pending_review', schedule: { kind: 'now' } });
  expect(w.page.url()).toContain(String(broadcastCopy._id));
  await w.shot('copy-drafts-04-broadcast-resubmitted-phone');
  await expectAccessible(w);
  expect(await AuditLog(j.t.db).countDocuments({ action: { $in: ['talk.copy', 'campaign.copy'] } })).toBe(3);

  expect(j.problems()).toEqual([]);
}, 300_000);
