import { ConsultExperts } from '../../src/modules/consult/consult.model';
import { createStaff } from '../../src/modules/staff/staff.service';
import { Experts } from '../../src/modules/talks/talks.model';
import { Questions } from '../../src/modules/consult/consult.model';
import { residentLogin, VILLAGE_A } from '../helpers/fixtures';
import { PHONE, signIn } from './browser';
import { DISTRICT_ADMIN, expectAccessible, expectConfirmVisible, expectMessageVisible, expectNoPageScrollX, journey } from './ui';

const EXPERT = { username: 'expert-wang', password: 'expert-pass-1' };
const WORKER = { username: 'worker-dongcun', password: 'worker-pass-1' };
let residentToken = '';

// Journeys: an expert answers a resident's question from a phone; a village worker accepts a request and replies.
const j = journey('consult', async (t) => {
  const expert = await createStaff(t.app, { ...EXPERT, role: 'expert', areaCode: '370303', displayName: '王医生' });
  const pool = await Experts(t.db).create({
    name: '王医生',
    hospital: '张店区妇幼保健院',
    title: '主任医师',
    specialties: ['产科'],
    active: true,
    createdAt: t.clock.now(),
  });
  await ConsultExperts(t.db).create({
    staffId: expert.id,
    expertId: pool._id,
    name: '王医生',
    title: '主任医师',
    hospital: '张店区妇幼保健院',
    topics: ['pregnancy'],
    rank: 1,
    active: true,
    updatedAt: t.clock.now(),
  });
  await createStaff(t.app, { ...WORKER, role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村专干' });
  const resident = await residentLogin(t, 'journey-asker', { village: VILLAGE_A });
  residentToken = resident.token;
  const asked = await t.request('POST', '/api/v1/consult/questions', {
    token: resident.token,
    body: { topic: 'pregnancy', text: '怀孕 12 周，最近总是头晕，需要去医院吗？', callBack: { name: '王阿姨', phone: '13957310001' } },
  });
  if (asked.status !== 201) throw new Error(JSON.stringify(asked.body));
  const raised = await t.request('POST', '/api/v1/requests', {
    token: resident.token,
    body: { kind: 'neighbour_dispute', text: '邻居家装修占用了公共通道，沟通多次无果。' },
  });
  if (raised.status !== 201) throw new Error(JSON.stringify(raised.body));
  // Two questions the text check holds (the fake check holds any text with 待审) for the district admin to decide.
  for (const [name, text] of [
    ['journey-held-1', '待审：孩子 8 个月还不会坐，正常吗？'],
    ['journey-held-2', '待审：这条提问的内容不适合转给专家。'],
  ]) {
    const r = await residentLogin(t, name, { village: VILLAGE_A });
    const held = await t.request('POST', '/api/v1/consult/questions', { token: r.token, body: { topic: 'infant_care', text } });
    if (held.status !== 201) throw new Error(JSON.stringify(held.body));
  }
});

test('journey: an expert on a phone opens the question assigned to them, sees the call-back number, and answers it', async () => {
  const p = await j.open(PHONE);
  await signIn(p, EXPERT.username, EXPERT.password);
  // The expert's start is 专家咨询.
  await p.page.getByRole('heading', { name: '专家咨询' }).waitFor();
  await p.page.locator('[data-test=consult-me]').getByText('王医生（孕产期）· 待回复 1 条').waitFor();
  const card = p.page.locator('[data-test=consult-list]').getByRole('button', { name: /孕产期/ });
  await card.waitFor();
  await expectNoPageScrollX(p);
  await p.shot('consult-01-expert-phone-list');

  await card.click();
  const drawer = p.page.getByRole('dialog', { name: '咨询' });
  await drawer.locator('[data-test=consult-text]').getByText('最近总是头晕').waitFor();
  await drawer.getByText('提问人希望回电：王阿姨 13957310001').waitFor();
  // Measured once it has slid in.
  await p.page.locator('.el-drawer-fade-enter-active').first().waitFor({ state: 'detached' });
  const box = await drawer.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
  await drawer.getByLabel('回复').fill('孕早期头晕多与血压、血糖偏低有关，建议少量多餐、起身放慢；如伴有眼花心慌请及时就医。');
  await p.shot('consult-02-expert-phone-answer');
  await drawer.getByRole('button', { name: '发送回复' }).click();
  await expectMessageVisible(p, '已回复，已通知提问人');
  await drawer.locator('[data-test=consult-status]').getByText('专家已回复').waitFor();
  await p.shot('consult-03-expert-phone-answered');
  await expectAccessible(p);

  // Screens of other sections are not the expert's: the address of one leads back to 专家咨询.
  await p.page.goto('/admin/referrals');
  await p.page.getByRole('heading', { name: '专家咨询' }).waitFor();
  expect(j.problems()).toEqual([]);
});

test('journey: a village worker accepts a resident’s request and replies; each step is in the record', async () => {
  const p = await j.open();
  await signIn(p, WORKER.username, WORKER.password);
  await p.page.goto('/admin/requests');
  const row = p.page.locator('[data-test=request-table]').getByRole('row').filter({ hasText: '邻里纠纷' });
  await row.waitFor();
  await p.shot('consult-04-worker-requests');
  await row.getByRole('button', { name: '办理 邻里纠纷' }).click();
  const drawer = p.page.getByRole('dialog', { name: '诉求' });
  await drawer.locator('[data-test=request-text]').getByText('公共通道').waitFor();

  await drawer.locator('label.el-radio-button', { hasText: '受理' }).click();
  await drawer.getByRole('button', { name: '确认' }).click();
  await drawer.locator('[data-test=request-done]').getByText('已改为“村居处理中”，已通知居民').waitFor();

  await drawer.locator('label.el-radio-button', { hasText: /^答复$/ }).click();
  await drawer.getByLabel('给居民的答复').fill('已约双方到村委会调解，通道三日内清理。');
  await p.shot('consult-05-worker-reply');
  await drawer.getByRole('button', { name: '确认' }).click();
  await drawer.locator('[data-test=request-done]').getByText('已改为“已答复”，已通知居民').waitFor();
  // Both steps said so inside the drawer: nothing lies over its title at 1440 px.
  expect(await p.page.locator('.el-message').filter({ hasText: '已改为' }).count()).toBe(0);
  const title = drawer.locator('.el-drawer__title');
  const box = (await title.boundingBox())!;
  const onTop = await p.page.evaluate(
    `document.elementFromPoint(${Math.round(box.x + box.width / 2)}, ${Math.round(box.y + box.height / 2)})?.closest('.el-drawer__title')?.textContent === '诉求'`,
  );
  expect(onTop).toBe(true);
  await drawer.getByText('答复：已约双方到村委会调解，通道三日内清理。').waitFor();
  await drawer.getByText('已答复，等待居民评价。').waitFor();
  await p.shot('consult-06-worker-replied');
  await expectAccessible(p);
  expect(j.problems()).toEqual([]);
});

test('journey: a village worker publishes the village’s 村规民约 and sees how many households have read the current version', async () => {
  const p = await j.open();
  await signIn(p, WORKER.username, WORKER.password);
  await p.page.goto('/admin/requests');
  await p.page.getByRole('button', { name: '村规民约' }).click();
  const drawer = p.page.getByRole('dialog', { name: '村规民约' });
  await drawer.getByText('还没有发布村规民约').waitFor();
  await drawer.getByLabel('内容（发布后为新的一版）').fill('一、爱护公共设施，保持村容整洁。\n二、邻里互帮互助，矛盾先找村委会调解。');
  await drawer.getByRole('button', { name: '发布新版本' }).click();
  const confirm = await expectConfirmVisible(p, '发布村规民约');
  await p.shot('consult-07-worker-rules-confirm');
  await confirm.getByRole('button', { name: '发布' }).click();
  await expectMessageVisible(p, '已发布第 1 版');
  await drawer
    .locator('[data-test=rules-read]')
    .getByText(/^已读 0 户/)
    .waitFor();

  // A resident of the village opens the rules in the mini-program: reopened, the drawer counts them.
  const read = await j.t.request('GET', '/api/v1/village-rules', { token: residentToken });
  expect(read.status).toBe(200);
  expect(read.body.version).toBe(1);
  await drawer.getByRole('button', { name: /关闭/ }).click();
  await drawer.waitFor({ state: 'hidden' });
  await p.page.getByRole('button', { name: '村规民约' }).click();
  await p.page
    .getByRole('dialog', { name: '村规民约' })
    .locator('[data-test=rules-read]')
    .getByText(/^已读 1 户/)
    .waitFor();
  await p.page.getByRole('dialog', { name: '村规民约' }).getByText('现行第 1 版').waitFor();
  await p.shot('consult-08-worker-rules-read');
  await expectAccessible(p);
  expect(j.problems()).toEqual([]);
});

test('journey: the district admin releases one question the text check held and refuses another', async () => {
  const p = await j.open();
  await signIn(p, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await p.page.goto('/admin/consult');
  await p.page.locator('label.el-radio-button', { hasText: '待审核' }).click();
  const held = p.page.locator('[data-test=consult-held]');
  const first = held.getByRole('group').filter({ hasText: '孩子 8 个月还不会坐' });
  const second = held.getByRole('group').filter({ hasText: '不适合转给专家' });
  await first.waitFor();
  await second.waitFor();
  await p.shot('consult-09-district-held');
  await expectAccessible(p);

  await first.getByRole('button', { name: '放行' }).click();
  const release = await expectConfirmVisible(p, '放行咨询');
  await release.getByRole('button', { name: '放行' }).click();
  await expectMessageVisible(p, '已放行');
  await first.waitFor({ state: 'detached' });

  await second.getByRole('button', { name: '不予受理' }).click();
  const refuse = await expectConfirmVisible(p, '不予受理');
  await p.shot('consult-10-district-refuse-confirm');
  await refuse.getByRole('button', { name: '不予受理' }).click();
  await expectMessageVisible(p, '已不予受理');
  await held.getByText('没有待审核的咨询。').waitFor();
  await p.shot('consult-11-district-held-done');

  const decided = await Questions(j.t.db).find({ topic: 'infant_care' }).sort({ _id: 1 }).lean();
  // Released: it goes on to the experts (with no expert of its topic it waits, and the admins are told); refused: its text is gone.
  expect(decided.map((q) => [q.status, Boolean(q.textHeld), Boolean(q.textEnc)])).toEqual([
    ['open', false, true],
    ['refused', false, false],
  ]);
  expect(j.problems()).toEqual([]);
});
