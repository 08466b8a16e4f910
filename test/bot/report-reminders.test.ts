import { remindYearlyReports } from '../../src/modules/reports/reminders';
import { ReportReminders } from '../../src/modules/reports/reports.model';
import { Outbox } from '../../src/notify/outbox.model';
import { TOWN_MS, TOWN_ND } from '../helpers/fixtures';
import { World } from './world';

jest.setTimeout(90_000);
let w: World;
beforeAll(async () => {
  w = await World.create();
});
afterAll(() => w.close());

test('when 1 and 10 December come, then each town admin with a linked WeChat whose report is not submitted, and the district admin, get one private message from the bot; never in groups', async () => {
  const msPhone = w.contact('马尚镇管理员');
  const ndPhone = w.contact('南定镇管理员');
  const districtPhone = w.contact('区管理员');
  const ms = await w.staff('town_admin', TOWN_MS, msPhone.id);
  const nd = await w.staff('town_admin', TOWN_ND, ndPhone.id);
  const ndUnlinked = await w.staff('town_admin', TOWN_ND);
  const district = await w.staff('district_admin', '370303', districtPhone.id);
  const [group] = await w.rooms(1, TOWN_MS, '马尚大群');

  w.t.clock.set('2026-12-01T01:05:00Z'); // 09:05 in Zibo
  // 马尚 has submitted its report; 南定 has not.
  const login = await w.t.request('POST', '/api/admin/v1/auth/login', { body: { username: ms.username, password: 'correct-horse-battery' } });
  expect((await w.t.request('POST', '/api/admin/v1/reports/yearly/submit', { token: login.body.token, body: { year: 2026 } })).status).toBe(201);

  // both 南定 admins (the unlinked one sees the console banner only) and the district admin
  expect(await remindYearlyReports(w.t.app)).toEqual({ reminded: 3 });
  expect(await remindYearlyReports(w.t.app)).toEqual({ reminded: 0 });
  const records = await ReportReminders(w.t.db).find().sort({ staffId: 1 }).lean();
  expect(records.map((r) => [r.staffId, r.viaBot])).toEqual(
    [
      [nd.id, true],
      [ndUnlinked.id, false],
      [district.id, true],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
  await w.drain();
  const text = '请在 2026 年 12 月 15 日前生成并报送本镇街 2026 年度家庭健康行动工作总结（工作台“报告”页）。';
  expect(w.said(ndPhone.id)).toEqual([text]);
  expect(w.said(msPhone.id)).toEqual([]);
  const toDistrict = w.said(districtPhone.id);
  expect(toDistrict).toHaveLength(1);
  expect(toDistrict[0]).toContain('南定镇');
  expect(toDistrict[0]).not.toContain('马尚街道');
  expect(w.said(group!.room.id)).toEqual([]);

  // The next days until the 10th: nothing new. On the 10th, once more.
  w.t.clock.set('2026-12-05T01:05:00Z');
  expect(await remindYearlyReports(w.t.app)).toEqual({ reminded: 0 });
  w.t.clock.set('2026-12-10T01:05:00Z');
  expect(await remindYearlyReports(w.t.app)).toEqual({ reminded: 3 });
  await w.drain();
  expect(w.said(ndPhone.id)).toEqual([text, text]);
  expect(await Outbox(w.t.db).countDocuments({ key: /^reports:reminder:/ })).toBe(4);
});
