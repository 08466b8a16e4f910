import ExcelJS from 'exceljs';
import fs from 'node:fs';
import { Contests, Questions } from '../../src/modules/quiz/quiz.model';
import { residentLogin, VILLAGE_A, VILLAGE_B } from '../helpers/fixtures';
import { rightAnswers, seedQuestionBank, wrongAnswers } from '../helpers/quiz';
import { signIn, type ConsolePage } from './browser';
import { DISTRICT_ADMIN, expectAccessible, journey, OTHER_TOWN_ADMIN, pickOption, rowWith } from './ui';

// Journey: the district admin creates a contest for 马尚 with the pickers, publishes it; residents submit through
// the API (one implausibly fast); the statistics show them and the fast one is cleared; the question bank is
// searched, edited into a new version, retired and exported. Another town's admin sees none of the contest.
const j = journey('quiz', async (t) => {
  await seedQuestionBank(t.app);
});

/** "YYYY-MM-DD HH:mm" on a Shanghai clock, `days` from now. */
const shanghai = (days: number, hhmm: string) => `${new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10)} ${hhmm}`;

async function typeDate(p: ConsolePage, label: string, value: string): Promise<void> {
  const input = p.page.getByRole('dialog', { name: '新建竞赛' }).getByLabel(label, { exact: true });
  await input.click();
  await input.fill(value);
  await input.press('Enter');
  await p.page.waitForTimeout(300);
}

/** A resident of `village` takes the contest through the API, answering for `seconds`. */
async function take(contestId: string, name: string, village: string, seconds: number, right: boolean): Promise<void> {
  const r = await residentLogin(j.t, name, { village, realName: name });
  const att = await j.t.request('POST', `/api/v1/quiz/contests/${contestId}/attempts`, { token: r.token });
  if (att.status !== 201) throw new Error(`attempt: ${JSON.stringify(att.body)}`);
  j.t.clock.advance(seconds * 1000);
  const answers = right ? await rightAnswers(j.t, att.body.id) : await wrongAnswers(j.t, att.body.id);
  const res = await j.t.request('POST', `/api/v1/quiz/attempts/${att.body.id}/submit`, { token: r.token, body: { answers } });
  if (res.status !== 200) throw new Error(`submit: ${JSON.stringify(res.body)}`);
}

test('journey: a contest created with pickers and published; its statistics after residents submit; a fast one cleared', async () => {
  const d = await j.open();
  await signIn(d, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await d.page.getByRole('menuitem', { name: '健康答题' }).first().click();
  await d.page.getByRole('heading', { name: '健康答题' }).waitFor();
  await d.page.getByText('还没有符合条件的竞赛').waitFor();
  await d.shot('quiz-01-contests-empty');
  await expectAccessible(d);

  await d.page.getByRole('button', { name: '新建竞赛' }).click();
  const dialog = d.page.getByRole('dialog', { name: '新建竞赛' });
  await dialog.waitFor();
  await dialog.getByLabel('标题', { exact: true }).fill('马尚街道健康知识竞赛');
  await pickOption(d, '面向地区', '马尚街道', dialog);
  // An end before the start is refused by the service, and the message stands beside the end time.
  await typeDate(d, '开始时间（北京时间）', shanghai(0, '00:00'));
  await typeDate(d, '结束时间（北京时间）', shanghai(-1, '00:00'));
  await dialog.getByLabel('每人总次数').fill('2');
  await dialog.getByLabel('抽', { exact: true }).fill('5');
  await dialog.getByRole('button', { name: '保存草稿' }).click();
  await dialog.getByText('结束时间要晚于开始时间').waitFor();
  await d.shot('quiz-02-contest-field-error');
  await expectAccessible(d);
  await typeDate(d, '结束时间（北京时间）', shanghai(7, '20:00'));
  await dialog.getByRole('button', { name: '保存草稿' }).click();
  await dialog.waitFor({ state: 'hidden' });
  const row = rowWith(d, 'contests-table', '马尚街道健康知识竞赛');
  await row.getByText('草稿', { exact: true }).waitFor();
  const saved = await Contests(j.t.db).findOne({ title: '马尚街道健康知识竞赛' }).lean();
  // What was picked on a Shanghai clock is what the service stored.
  expect(saved?.startAt.toISOString()).toBe(new Date(`${shanghai(0, '00:00').replace(' ', 'T')}:00+08:00`).toISOString());
  expect(saved).toMatchObject({ areaCode: '370303-JD-MS', attemptsTotal: 2, drawRules: [{ tags: [], count: 5 }] });
  await row.getByRole('button', { name: '发布' }).click();
  await d.page.getByRole('dialog', { name: '发布竞赛' }).getByRole('button', { name: '发布' }).click();
  await row.getByText('已发布').waitFor();
  await d.shot('quiz-03-contest-published');

  // Residents submit through the API: two at a normal pace (one passes), one far too fast.
  const id = String(saved!._id);
  await take(id, '王一', VILLAGE_A, 90, true);
  await take(id, '李二', VILLAGE_B, 90, false);
  await take(id, '赵快', VILLAGE_A, 1, true);

  await row.getByRole('link', { name: '统计' }).click();
  await d.page.getByRole('heading', { name: '马尚街道健康知识竞赛' }).waitFor();
  const cards = d.page.locator('[data-test=contest-cards]');
  await cards.locator('.card', { hasText: '参与人数' }).getByText('3', { exact: true }).waitFor();
  await cards.locator('.card', { hasText: '过快提交' }).getByText('1', { exact: true }).waitFor();
  await rowWith(d, 'contest-villages', '东村').getByText('2', { exact: true }).first().waitFor();
  await d.page.getByRole('img', { name: /分数分布柱状图/ }).waitFor();
  const fast = rowWith(d, 'flagged-table', '赵*');
  await fast.waitFor();
  await d.shot('quiz-04-contest-stats');
  await expectAccessible(d);
  await fast.getByRole('button', { name: '认可成绩' }).click();
  await d.page.getByRole('dialog', { name: '认可成绩' }).getByRole('button', { name: '确定' }).click();
  await d.page.getByText(/已认可，证书编号/).waitFor();
  await d.page.getByText('没有待处理的过快提交').waitFor();
  await d.shot('quiz-05-flag-cleared');

  // Another town's admin: the contest is not theirs to see.
  const other = await j.open();
  await signIn(other, OTHER_TOWN_ADMIN.username, OTHER_TOWN_ADMIN.password);
  await other.page.getByRole('menuitem', { name: '健康答题' }).first().click();
  await other.page.getByText('还没有符合条件的竞赛').waitFor();
  await other.shot('quiz-06-other-town');
  await other.page.goto(`/admin/quiz/contests/${id}`);
  await other.page.getByText('竞赛不存在').first().waitFor();
  expect(await other.page.getByText('赵*').count()).toBe(0);
  await expectAccessible(other);

  expect(j.problems()).toEqual([]);
}, 300_000);

test('journey: the question bank is filtered, a question edited into a new version, retired, and the bank exported', async () => {
  const d = await j.open();
  await signIn(d, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await d.page.goto('/admin/quiz?tab=questions');
  await d.page.locator('[data-test=questions-table]').getByRole('row').nth(1).waitFor();
  await pickOption(d, '题型', '判断题');
  const judge = await Questions(j.t.db).findOne({ type: 'judge', active: true }).sort({ _id: -1 }).lean();
  await d.page.getByLabel('搜索题干或编号').fill(judge!.key);
  await d.page.getByRole('button', { name: '查询' }).click();
  const row = rowWith(d, 'questions-table', judge!.key);
  await row.getByText('判断题').waitFor();
  await d.shot('quiz-07-bank-filtered');
  await expectAccessible(d);

  await row.getByRole('button', { name: '编辑' }).click();
  const dialog = d.page.getByRole('dialog', { name: new RegExp(`编辑题目 ${judge!.key}`) });
  // An emptied explanation is refused beside its field.
  await dialog.getByLabel('解析').fill('');
  await dialog.getByRole('button', { name: '保存为新版本' }).click();
  await dialog.getByText('请填写解析').waitFor();
  await d.shot('quiz-08-question-field-error');
  await expectAccessible(d);
  await dialog.getByLabel('解析').fill('新的解析：每天适量运动有益健康。');
  await dialog.getByRole('button', { name: '保存为新版本' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await row.getByText(`v${judge!.version + 1}`).waitFor();
  expect((await Questions(j.t.db).findById(judge!._id).lean())?.explanation).toBe('新的解析：每天适量运动有益健康。');

  await row.getByRole('button', { name: '停用' }).click();
  await d.page.getByRole('dialog', { name: '停用题目' }).getByRole('button', { name: '停用' }).click();
  await row.getByText('已停用').waitFor();
  expect((await Questions(j.t.db).findById(judge!._id).lean())?.active).toBe(false);

  const [file] = await Promise.all([d.page.waitForEvent('download'), d.page.getByRole('button', { name: '导出 Excel' }).click()]);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(fs.readFileSync(await file.path()) as unknown as ArrayBuffer);
  const keys: string[] = [];
  wb.worksheets[0]!.eachRow((r, n) => n > 1 && keys.push(r.getCell(1).text));
  expect(keys).toContain(judge!.key);
  expect(keys).toHaveLength(await Questions(j.t.db).countDocuments());

  expect(j.problems()).toEqual([]);
}, 240_000);
