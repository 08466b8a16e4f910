import type { Locator } from 'playwright-core';
import { createStaff } from '../../src/modules/staff/staff.service';
import type { TestApp } from '../helpers/app';
import { ScreeningCodeBooks, ScreeningContacts } from '../../src/modules/screenings/screenings.model';
import { TOWN_MS, VILLAGE_A } from '../helpers/fixtures';
import { bulkResidents, publishedTalk } from '../helpers/talks';
import { DESKTOP, PHONE, signIn } from './browser';
import { DISTRICT_ADMIN, expectAccessible, expectConfirmVisible, expectMessageVisible, expectNoPageScrollX, journey } from './ui';

// Journey: a 两癌 screening at 马尚 with three 东村 residents who came; two consented. The town admin enters a
// result on a phone from the attendance list (one tap per test); the village worker starts on the start page's
// follow-up card and logs a phone contact on the abnormal case; the board shows it and no name in the clear.
const WORKER = { username: 'dongcun', password: 'dongcun-pass-1' };
const TOWN = { username: 'mashang', password: 'mashang-pass-1' };
let talkId = '';
const token = async (t: TestApp, who: typeof WORKER) => (await t.request('POST', '/api/admin/v1/auth/login', { body: who })).body.token as string;

jest.setTimeout(180_000);
const j = journey('screenings', async (t) => {
  await createStaff(t.app, { ...WORKER, role: 'village_worker', areaCode: VILLAGE_A, displayName: '东村网格员' });
  await createStaff(t.app, { ...TOWN, role: 'town_admin', areaCode: TOWN_MS, displayName: '马尚街道管理员' });
  const town = await token(t, TOWN);
  await t.request('POST', '/api/admin/v1/experts', { token: town, body: { name: '王医生', hospital: '张店区妇幼保健院', title: '主任医师', specialties: [] } });
  const talk = await publishedTalk(t, town, { kind: 'screening', title: '马尚街道两癌免费筛查', areaCode: TOWN_MS, capacity: 30 }, 0.5);
  talkId = talk.id;
  const people = await bulkResidents(t, 3, { village: VILLAGE_A, sex: 'female', birthYear: 1970 });
  const regs: string[] = [];
  for (const [i, r] of people.entries()) {
    const reg = await t.request('POST', `/api/v1/talks/${talkId}/registrations`, {
      token: r.token,
      headers: { 'idempotency-key': `journey-scr-${i}` },
      body: {},
    });
    regs.push(reg.body.registrationId);
    if (i < 2) await t.request('PUT', `/api/v1/screenings/${talkId}/consent`, { token: r.token, body: { given: true } });
  }
  await t.request('POST', `/api/admin/v1/talks/${talkId}/attendance`, { token: town, body: { registrationIds: regs } });
  await t.request('PUT', `/api/admin/v1/screenings/talks/${talkId}/participants/${people[0]!.id}/results`, {
    token: town,
    body: { programme: 'cervical', items: [{ test: 'TCT', code: 'HSIL' }] },
  });
});

let taps = 0;
const tap = async (l: Locator): Promise<void> => {
  taps++;
  await l.click();
};

test('journey: the town admin enters a result on a phone; the village worker logs a follow-up contact from the start page', async () => {
  // ---- result entry on a phone ----
  const a = await j.open(PHONE);
  await signIn(a, TOWN.username, TOWN.password);
  await a.page.goto(`/admin/screenings/talks/${talkId}`);
  const list = a.page.locator('[data-test=participants]');
  await list.locator('li.person').nth(2).waitFor();
  expect(await list.getByText('未同意，仅纸质').count()).toBe(1);
  expect(await list.getByRole('button', { name: '录入' }).count()).toBe(2);
  await a.shot('screenings-01-participants-phone');
  await expectNoPageScrollX(a);
  await expectAccessible(a);
  await list.locator('[data-test=enter-2]').click();
  const drawer = a.page.locator('[data-test=entry-drawer]');
  await drawer.getByText('宫颈细胞学（TCT）').waitFor();
  await drawer.getByText('未见上皮内病变或恶性病变').first().click();
  await drawer.getByText('阴性', { exact: true }).first().click();
  await a.shot('screenings-02-entry-drawer-phone');
  const box = await drawer.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
  await drawer.getByRole('button', { name: '保存' }).click();
  await expectMessageVisible(a, '已保存');
  await list.getByText('宫颈癌筛查 已录入').nth(1).waitFor();

  // ---- the release confirm box and the import dialog, opened and put away ----
  await a.page.locator('[data-test=release]').click();
  const confirm = await expectConfirmVisible(a, '发布结果');
  await a.shot('screenings-02b-release-confirm-phone');
  await confirm.getByRole('button', { name: '取消' }).click();
  await confirm.waitFor({ state: 'hidden' });
  await a.page.locator('[data-test=import-open]').click();
  const importing = a.page.getByRole('dialog', { name: '从医院表格导入结果' });
  await importing.locator('[data-test=xlsx-template]').waitFor();
  await a.page.locator('.dialog-fade-enter-active').first().waitFor({ state: 'detached' });
  const ibox = await importing.locator('.el-dialog').boundingBox();
  expect(ibox!.x).toBeGreaterThanOrEqual(0);
  expect(ibox!.x + ibox!.width).toBeLessThanOrEqual(PHONE.width);
  expect(ibox!.y).toBeGreaterThanOrEqual(0);
  await a.shot('screenings-02c-import-dialog-phone');
  await expectAccessible(a);
  await importing.getByRole('button', { name: '取消' }).click();
  await importing.waitFor({ state: 'hidden' });

  // ---- the village worker: start page → board → case → 登记联系 → 保存 ----
  const w = await j.open(PHONE);
  await signIn(w, WORKER.username, WORKER.password);
  const card = w.page.locator('[data-test=screening-card]');
  await card.getByText('待随访').waitFor();
  await w.shot('screenings-03-start-card-phone');
  await expectNoPageScrollX(w);
  taps = 0;
  await tap(card.getByRole('button', { name: '去随访' }));
  const cases = w.page.locator('[data-test=screening-cases]');
  await cases.locator('button.card').first().waitFor();
  expect(await w.page.content()).not.toMatch(/居民\d/);
  await w.shot('screenings-04-board-phone');
  await expectNoPageScrollX(w);
  await expectAccessible(w);
  await tap(cases.locator('button.card').first());
  await w.page.locator('[data-test=case-name]').waitFor();
  expect(await w.page.locator('[data-test=case-name]').textContent()).toMatch(/^居民\d$/);
  await w.shot('screenings-05-case-phone');
  await expectNoPageScrollX(w);
  await expectAccessible(w);
  await tap(w.page.locator('[data-test=log-contact]'));
  const dialog = w.page.locator('[data-test=contact-dialog]');
  await dialog.getByText('怎么联系的').waitFor();
  const dbox = await dialog.boundingBox();
  expect(dbox!.x).toBeGreaterThanOrEqual(0);
  expect(dbox!.x + dbox!.width).toBeLessThanOrEqual(PHONE.width);
  await w.shot('screenings-06-contact-dialog-phone');
  await tap(dialog.getByRole('button', { name: '保存' }));
  await expectMessageVisible(w, '联系已登记');
  await w.page.locator('[data-test=case-status]').getByText('已联系').waitFor();
  console.log(`[screenings] taps for a village worker to log a follow-up contact from the start page: ${taps}`);
  expect(taps).toBeLessThanOrEqual(4);
  expect(await ScreeningContacts(j.t.db).countDocuments({})).toBe(1);
  await w.shot('screenings-07-contacted-phone');

  // ---- a 生育调节指导 visit logged from the phone: pick the resident, the topic is preset, 保存 ----
  await w.page.goto('/admin/screenings');
  await w.page.locator('[data-test=to-visits]').click();
  const form = w.page.locator('[data-test=visit-form]');
  await form.getByRole('combobox', { name: '居民' }).waitFor();
  await form.locator('.el-select__wrapper').click();
  await w.page.getByRole('option').filter({ visible: true }).first().click();
  await form.getByText('生育调节指导', { exact: true }).click();
  await w.shot('screenings-09-visit-form-phone');
  await expectNoPageScrollX(w);
  await w.page.locator('[data-test=visit-save]').click();
  await expectMessageVisible(w, '走访已登记');
  const visits = w.page.locator('[data-test=visit-list] li');
  await visits.filter({ hasText: '生育调节指导' }).first().waitFor();
  expect(await visits.count()).toBe(2);
  expect(await w.page.locator('[data-test=visit-list]').textContent()).not.toMatch(/居民\d/);
  expect(await ScreeningContacts(j.t.db).countDocuments({ topic: 'fertility_guidance' })).toBe(1);
  await w.shot('screenings-10-visits-phone');
  await expectNoPageScrollX(w);
  await expectAccessible(w);

  // ---- the board at a desk ----
  const d = await j.open(DESKTOP);
  await signIn(d, WORKER.username, WORKER.password);
  await d.page.goto('/admin/screenings');
  await d.page.locator('[data-test=screening-cases] button.card').first().waitFor();
  await d.shot('screenings-08-board-desktop');
  await expectAccessible(d);

  // ---- the district admin rewords a result's advice and gives the hospital's address and phone ----
  const z = await j.open(PHONE);
  await signIn(z, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  await z.page.goto('/admin/screenings');
  await z.page.locator('[data-test=to-codes]').click();
  const hsil = z.page.locator('[data-test=code-TCT-HSIL]');
  await hsil.waitFor();
  await hsil.getByLabel('HSIL 给居民的建议').fill('请在两周内到妇幼保健院做阴道镜检查。');
  await z.shot('screenings-11-codes-phone');
  await expectNoPageScrollX(z);
  await expectAccessible(z);
  await z.page.locator('[data-test=codes-save]').click();
  await expectMessageVisible(z, '宫颈癌筛查的结果代码已保存');
  const book = await ScreeningCodeBooks(j.t.db).findOne({ _id: 'cervical' }).lean();
  expect(JSON.stringify(book?.tests)).toContain('请在两周内到妇幼保健院做阴道镜检查。');
  const hospitals = z.page.locator('[data-test=hospitals]');
  await hospitals.getByLabel('张店区妇幼保健院 地址').fill('张店区华光路1号');
  await hospitals.getByLabel('张店区妇幼保健院 电话').fill('0533-1234567');
  await hospitals.getByRole('button', { name: '保存' }).click();
  await expectMessageVisible(z, '张店区妇幼保健院的地址电话已保存');
  await z.shot('screenings-12-hospital-phone');
  const back = await j.t.request('GET', '/api/admin/v1/screenings/hospitals', { token: await token(j.t, DISTRICT_ADMIN) });
  expect(back.body.items).toContainEqual({ name: '张店区妇幼保健院', address: '张店区华光路1号', phone: '0533-1234567' });
  expect(j.problems()).toEqual([]);
});
