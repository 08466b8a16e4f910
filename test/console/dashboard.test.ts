import { createStaff } from '../../src/modules/staff/staff.service';
import type { TestApp } from '../helpers/app';
import { residentLogin, TOWN_MS, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { rightAnswers, seedQuestionBank } from '../helpers/quiz';
import { PHONE, signIn } from './browser';
import { DISTRICT_ADMIN, expectAccessible, journey, OTHER_TOWN_ADMIN, rowWith } from './ui';

// Journey: the dashboard drills down district → town → village, each level's figures drawn and tabled; another
// town's admin and a village worker (on a phone) see only their own area.
const j = journey('dashboard', async (t) => {
  await seedQuestionBank(t.app);
  await createStaff(t.app, { username: 'dongcun', password: 'dongcun-pass-1', role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村网格员' });
  await quizTakers(t, VILLAGE_A, 3);
  await quizTakers(t, VILLAGE_C, 1);
  await residentLogin(t, 'dash-b-only', { village: VILLAGE_B });
});

/** Residents of a village register and take today's quiz through the API, all answers right. */
async function quizTakers(t: TestApp, village: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await residentLogin(t, `dash-${village}-${i}`, { village });
    const daily = await t.request('GET', '/api/v1/quiz/daily', { token: r.token });
    const res = await t.request('POST', `/api/v1/quiz/attempts/${daily.body.attempt.id}/submit`, {
      token: r.token,
      body: { answers: await rightAnswers(t, daily.body.attempt.id) },
    });
    if (res.status !== 200) throw new Error(`submit: ${JSON.stringify(res.body)}`);
  }
}

test('journey: the district admin drills down to a village; another town and a village worker see only their own', async () => {
  const d = await j.open();
  await signIn(d, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await d.page.getByRole('heading', { name: '您好，区卫健局管理员' }).waitFor();
  await d.page.locator('[data-test=dash-area]', { hasText: '张店区' }).waitFor();
  // District totals: 5 residents, 4 took the quiz with full marks.
  const cards = d.page.locator('[data-test=dash-cards]');
  await cards.getByText('80.0%').waitFor();
  await cards.getByText('100', { exact: true }).waitFor();
  await rowWith(d, 'dash-table', '马尚街道').getByText('75.0%').waitFor();
  await d.shot('dashboard-01-district');
  await expectAccessible(d);

  await d.page.locator(`[data-test="drill-${TOWN_MS}"]`).click();
  await d.page.locator('[data-test=dash-area]', { hasText: '马尚街道' }).waitFor();
  await rowWith(d, 'dash-table', '东村').getByText('100.0%').waitFor();
  await rowWith(d, 'dash-table', '西村').getByText('0.0%').waitFor();
  expect(await rowWith(d, 'dash-table', '南村').count()).toBe(0);
  await d.page.evaluate('window.scrollTo(0, 0)');
  await d.shot('dashboard-02-town');
  await expectAccessible(d);
  // Back up by the trail.
  await d.page.getByRole('navigation', { name: '地区层级' }).getByRole('button', { name: '张店区' }).click();
  await d.page.locator('[data-test=dash-area]', { hasText: '张店区' }).waitFor();

  // Another town's admin starts at their town: 南村 only, nothing of 马尚.
  const other = await j.open();
  await signIn(other, OTHER_TOWN_ADMIN.username, OTHER_TOWN_ADMIN.password);
  await other.page.locator('[data-test=dash-area]', { hasText: '南定镇' }).waitFor();
  await rowWith(other, 'dash-table', '南村').getByText('100.0%').waitFor();
  expect(await other.page.getByText('马尚街道').count()).toBe(0);
  expect(await other.page.getByText('东村').count()).toBe(0);
  await other.shot('dashboard-03-other-town');
  // Typing 马尚's code into the address is refused with what to do next.
  await other.page.goto(`/admin/?area=${TOWN_MS}`);
  await other.page.getByText('不在您的管辖范围内').waitFor();
  await other.page.getByRole('button', { name: '回到我的地区' }).click();
  await other.page.locator('[data-test=dash-area]', { hasText: '南定镇' }).waitFor();
  await expectAccessible(other);

  // The village worker on a phone: their village's figures.
  const worker = await j.open(PHONE);
  await signIn(worker, 'dongcun', 'dongcun-pass-1');
  await worker.page.locator('[data-test=dash-area]', { hasText: '东村' }).waitFor();
  await worker.page.locator('[data-test=dash-cards]').getByText('100.0%').waitFor();
  expect(await worker.page.getByText('西村').count()).toBe(0);
  await worker.shot('dashboard-04-village-phone');
  await expectAccessible(worker);

  expect(j.problems()).toEqual([]);
}, 240_000);
