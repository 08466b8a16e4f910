import { AuditLog } from '../../src/modules/audit/audit.model';
import { Contests } from '../../src/modules/quiz/quiz.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { seedQuestionBank } from '../helpers/quiz';
import { signIn } from './browser';
import { expectAccessible, expectConfirmVisible, expectMessageVisible, journey, OTHER_TOWN_ADMIN, rowWith } from './ui';

// Journey: a town admin edits a draft contest, copies last month's contest into a new draft (dates ahead) and
// deletes a draft after the confirm box; another town's admin sees none of them.
const DAY = 86_400_000;
const j = journey('quiz-drafts', async (t) => {
  await seedQuestionBank(t.app);
  await createStaff(t.app, { username: 'mashang', password: 'mashang-pass-1', role: 'town_admin', areaCode: '370303-JD-MS', displayName: '马尚街道管理员' });
  const now = t.clock.now().getTime();
  const base = {
    kind: 'contest' as const,
    description: '',
    areaCode: '370303-JD-MS',
    areaPath: ['370303', '370303-JD-MS'],
    drawRules: [{ tags: ['hl66-2024'], count: 5 }],
    timeLimitSec: 600,
    attemptsPerDay: 1,
    attemptsTotal: 2,
    passScore: 60,
    createdBy: 'fixture',
    createdAt: new Date(now),
    updatedAt: new Date(now),
  };
  await Contests(t.db).create([
    { ...base, title: '马尚秋季竞赛草稿', startAt: new Date(now + DAY), endAt: new Date(now + 8 * DAY), status: 'draft' },
    { ...base, title: '马尚上月竞赛', startAt: new Date(now - 40 * DAY), endAt: new Date(now - 33 * DAY), status: 'closed' },
  ]);
});

test('journey: a draft contest edited and deleted, a closed one copied into a new draft; another town sees none', async () => {
  const d = await j.open();
  await signIn(d, 'mashang', 'mashang-pass-1');
  await d.page.getByRole('menuitem', { name: '健康答题' }).first().click();
  await d.page.getByRole('heading', { name: '健康答题' }).waitFor();
  await rowWith(d, 'contests-table', '马尚上月竞赛').waitFor();
  // Only a draft offers 编辑 and 删除.
  expect(await rowWith(d, 'contests-table', '马尚上月竞赛').getByRole('button', { name: '删除' }).count()).toBe(0);
  await d.shot('quiz-drafts-01-list');
  await expectAccessible(d);

  await rowWith(d, 'contests-table', '马尚秋季竞赛草稿').getByRole('button', { name: '编辑' }).click();
  const dialog = d.page.getByRole('dialog', { name: '编辑竞赛草稿' });
  await dialog.getByLabel('标题', { exact: true }).fill('马尚秋季健康竞赛');
  await d.shot('quiz-drafts-02-edit');
  await dialog.getByRole('button', { name: '保存草稿' }).click();
  await expectMessageVisible(d, '草稿已保存');
  await rowWith(d, 'contests-table', '马尚秋季健康竞赛').waitFor();

  await rowWith(d, 'contests-table', '马尚上月竞赛').getByRole('button', { name: '复制为新草稿' }).click();
  await expectMessageVisible(d, '已复制为新草稿“马尚上月竞赛（副本）”');
  await rowWith(d, 'contests-table', '马尚上月竞赛（副本）').getByText('草稿', { exact: true }).waitFor();
  const copy = (await Contests(j.t.db).findOne({ title: '马尚上月竞赛（副本）' }).lean())!;
  expect(copy.startAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  expect(copy.endAt.getTime() - copy.startAt.getTime()).toBe(7 * DAY);
  await d.shot('quiz-drafts-03-copied');

  await rowWith(d, 'contests-table', '马尚秋季健康竞赛').getByRole('button', { name: '删除' }).click();
  const confirm = await expectConfirmVisible(d, '删除草稿');
  await d.shot('quiz-drafts-04-delete-confirm');
  await confirm.getByRole('button', { name: '删除' }).click();
  await expectMessageVisible(d, '草稿已删除');
  await rowWith(d, 'contests-table', '马尚秋季健康竞赛').waitFor({ state: 'detached' });
  expect(await Contests(j.t.db).countDocuments({ title: '马尚秋季健康竞赛' })).toBe(0);
  expect(await AuditLog(j.t.db).countDocuments({ action: { $in: ['quiz.contest.update', 'quiz.contest.copy', 'quiz.contest.delete'] } })).toBe(3);
  await d.shot('quiz-drafts-05-deleted');

  const other = await j.open();
  await signIn(other, OTHER_TOWN_ADMIN.username, OTHER_TOWN_ADMIN.password);
  await other.page.getByRole('menuitem', { name: '健康答题' }).first().click();
  await other.page.getByText('还没有符合条件的竞赛').waitFor();
  expect(await other.page.getByText('马尚上月竞赛').count()).toBe(0);
  await other.shot('quiz-drafts-06-other-town');

  expect(j.problems()).toEqual([]);
}, 300_000);
