import { AuditLog } from '../../src/modules/audit/audit.model';
import { Campaigns } from '../../src/modules/campaigns/campaigns.model';
import { Talks } from '../../src/modules/talks/talks.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { boundGroups, VILLAGE_A } from '../helpers/fixtures';
import { signIn } from './browser';
import { expectAccessible, expectMessageVisible, journey } from './ui';

// Journey: a town admin copies a session into a new draft (landing on its edit page) and a village worker copies
// a campaign of theirs into a new draft, on a phone; each copy audited.
const ids = { talk: '', campaign: '' };
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
});

test('journey: a session and a campaign copied into new drafts', async () => {
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
  expect(await AuditLog(j.t.db).countDocuments({ action: { $in: ['talk.copy', 'campaign.copy'] } })).toBe(2);

  expect(j.problems()).toEqual([]);
}, 300_000);
