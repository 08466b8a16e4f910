import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import { shanghaiYear } from '../../src/lib/area-figures';
import { Staff } from '../../src/modules/staff/staff.model';
import { screeningFigures } from '../../src/modules/screenings/screenings.figures';
import { queueOverdue } from '../../src/modules/screenings/screenings.cases';
import { ScreeningCases, ScreeningResults } from '../../src/modules/screenings/screenings.model';
import { Outbox } from '../../src/notify/outbox.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';
import { bulkResidents, inWaves, publishedTalk, type BulkResident } from '../helpers/talks';

/**
 * A 两癌 screening at 马尚街道 with 40 sign-ups: 36 from 东村 (A), 3 from 西村 (B), 1 from 南定镇 南村 (C).
 * By index: 3 and 4 never consent to results in the system, 2 consents and withdraws before entry, 11 withdraws
 * after her (abnormal) result was entered; 37 and 38 do not come. Cervical results entered one by one: 5, 6, 11
 * and 39 HSIL/LSIL (abnormal), 7, 8, 9 ASC-US (needs review), the rest NILM. Breast results imported from the
 * hospital's sheet for 0–19: 10 BI-RADS 4 (abnormal), the rest BI-RADS 1.
 */

const DAY = 86_400_000;
const HOSPITAL = '张店区妇幼保健院';
let t: TestApp;
type Who = { token: string; id: string; username: string };
let town: Who;
let district: Who;
let workerA: Who;
let workerC: Who;
let people: BulkResident[];
let talkId: string;
let startAt: Date;
const regIds: string[] = [];
const caseOf = new Map<number, string>();
const resultOf = new Map<number, string>();

/** Move the clock; staff sign in again (their sessions are shorter than the walk). */
async function moveTo(d: Date): Promise<void> {
  t.clock.set(d);
  for (const s of [district, town, workerA, workerC]) {
    const res = await t.request('POST', '/api/admin/v1/auth/login', { body: { username: s.username, password: 'correct-horse-battery' } });
    s.token = res.body.token;
  }
}

const as = (who: { token: string }, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  t.request(method, path, { token: who.token, body, headers });
const base = () => `/api/admin/v1/screenings/talks/${talkId}`;
const cervical = (code: string) => ({ programme: 'cervical', items: [{ test: 'TCT', code }] });

beforeAll(async () => {
  t = await startTestApp({ now: '2026-11-28T02:00:00Z' });
  await seedVillages(t);
  district = { ...(await staffLogin(t, 'district_admin', '370303', 'scr-district')), username: 'scr-district' };
  town = { ...(await staffLogin(t, 'town_admin', TOWN_MS, 'scr-town')), username: 'scr-town' };
  workerA = { ...(await staffLogin(t, 'village_worker', VILLAGE_A, 'scr-worker-a')), username: 'scr-worker-a' };
  await staffLogin(t, 'village_worker', VILLAGE_B, 'scr-worker-b');
  workerC = { ...(await staffLogin(t, 'village_worker', VILLAGE_C, 'scr-worker-c')), username: 'scr-worker-c' };
  await Staff(t.db).updateOne({ _id: workerA.id }, { $set: { wechatId: 'wx-worker-a' } });
  await Staff(t.db).updateOne({ _id: town.id }, { $set: { wechatId: 'wx-town-ms' } });
  expect((await as(district, 'POST', '/api/admin/v1/experts', { name: '王医生', hospital: HOSPITAL, title: '主任医师', specialties: ['妇科'] })).status).toBe(
    201,
  );
  expect(
    (await as(district, 'PUT', '/api/admin/v1/screenings/hospitals', { name: HOSPITAL, address: '张店区人民西路 1 号', phone: '0533-2222222' })).status,
  ).toBe(200);

  people = [
    ...(await bulkResidents(t, 36, { village: VILLAGE_A, sex: 'female', birthYear: 1975 })),
    ...(await bulkResidents(t, 3, { village: VILLAGE_B, sex: 'female', birthYear: 1975 })),
    ...(await bulkResidents(t, 1, { village: VILLAGE_C, sex: 'female', birthYear: 1975 })),
  ];
  const talk = await publishedTalk(t, town.token, { kind: 'screening', title: '2026年两癌免费筛查（马尚街道）', capacity: 60, areaCode: TOWN_MS });
  talkId = talk.id;
  startAt = new Date(talk.body.startAt);
  const regs = await inWaves(people, 10, (p, i) =>
    t.request('POST', `/api/v1/talks/${talkId}/registrations`, { token: p.token, headers: { 'idempotency-key': `scr-reg-${i}-${p.id}` }, body: { seats: 1 } }),
  );
  for (const r of regs) {
    expect(r.status).toBe(201);
    regIds.push(r.body.registrationId);
  }
}, 180_000);
afterAll(() => t.close());

test('consent is separate, per screening, and can be withdrawn; without it the result stays on paper', async () => {
  const consent = (i: number, given: boolean) => t.request('PUT', `/api/v1/screenings/${talkId}/consent`, { token: people[i]!.token, body: { given } });
  for (const [i] of people.entries()) if (i !== 3 && i !== 4) expect((await consent(i, true)).status).toBe(200);
  const withdrawn = await consent(2, false);
  expect(withdrawn.body).toMatchObject({ state: 'withdrawn', given: false });
  const none = await t.request('GET', `/api/v1/screenings/${talkId}/consent`, { token: people[3]!.token });
  expect(none.body).toMatchObject({ state: 'none', given: false });
  expect(none.body.text).toContain('仅本人和负责随访的');

  // everyone but 37 and 38 came
  await moveTo(startAt);
  const came = regIds.filter((_, i) => i !== 37 && i !== 38);
  expect((await as(town, 'POST', `/api/admin/v1/talks/${talkId}/attendance`, { registrationIds: came })).body.changed).toBe(38);

  const list = await as(town, 'GET', `${base()}/participants`);
  expect(list.status).toBe(200);
  expect(list.body.items).toHaveLength(40);
  const row = (i: number) => list.body.items.find((x: { residentId: string }) => x.residentId === people[i]!.id);
  expect(row(2)).toMatchObject({ consent: 'withdrawn', attended: true });
  expect(row(3)).toMatchObject({ consent: 'none', consentLabel: '未同意，仅纸质' });
  expect(row(37)).toMatchObject({ consent: 'given', attended: false });
  expect(row(0).nameMasked).toMatch(/\*/);
  expect(JSON.stringify(list.body)).not.toContain('level');

  for (const i of [2, 3]) {
    const refused = await as(town, 'PUT', `${base()}/participants/${people[i]!.id}/results`, cervical('NILM'));
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SCREENING_CONSENT_MISSING');
  }
  const absent = await as(town, 'PUT', `${base()}/participants/${people[37]!.id}/results`, cervical('NILM'));
  expect(absent.body.error.code).toBe('NOT_A_PARTICIPANT');
  const badCode = await as(town, 'PUT', `${base()}/participants/${people[0]!.id}/results`, cervical('XYZ'));
  expect(badCode.status).toBe(400);
  expect(badCode.body.error.code).toBe('UNKNOWN_RESULT_CODE');
  // a village worker at the town's session enters only her own village's residents
  const otherVillage = await as(workerA, 'PUT', `${base()}/participants/${people[39]!.id}/results`, cervical('NILM'));
  expect(otherVillage.body.error.code).toBe('NOT_A_PARTICIPANT');
  expect((await as(workerA, 'GET', `${base()}/participants`)).body.items).toHaveLength(36);
});

test('results are entered one by one; abnormal and needs-review results open cases for the village worker', async () => {
  const codeOf = (i: number) => ([5, 6, 11].includes(i) ? 'HSIL' : i === 39 ? 'LSIL' : [7, 8, 9].includes(i) ? 'ASC-US' : 'NILM');
  const entered = people.map((_, i) => i).filter((i) => ![2, 3, 4, 37, 38].includes(i));
  expect(entered).toHaveLength(35);
  for (const i of entered) {
    const res = await as(town, 'PUT', `${base()}/participants/${people[i]!.id}/results`, cervical(codeOf(i)));
    expect(res.status).toBe(200);
    resultOf.set(i, res.body.id);
    if (res.body.caseId) caseOf.set(i, res.body.caseId);
  }
  expect([...caseOf.keys()].sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 11, 39]);
  // entering again corrects the same result: no second case
  const again = await as(town, 'PUT', `${base()}/participants/${people[5]!.id}/results`, { ...cervical('HSIL'), remark: '建议阴道镜' });
  expect(again.body).toMatchObject({ id: resultOf.get(5), caseId: caseOf.get(5), level: 'abnormal' });
  expect(await ScreeningCases(t.db).countDocuments({})).toBe(7);
  const c39 = await ScreeningCases(t.db).findById(caseOf.get(39)).lean();
  expect(c39).toMatchObject({ villageCode: VILLAGE_C, assigneeId: workerC.id, status: 'open' });
  expect((await ScreeningCases(t.db).findById(caseOf.get(5)).lean())!.assigneeId).toBe(workerA.id);
  // sealed at rest
  const stored = await ScreeningResults(t.db).findById(resultOf.get(5)).lean();
  expect(JSON.stringify(stored)).not.toContain('HSIL');

  // 11 withdraws after entry: codes erased, case ended
  expect((await t.request('PUT', `/api/v1/screenings/${talkId}/consent`, { token: people[11]!.token, body: { given: false } })).status).toBe(200);
  const r11 = await ScreeningResults(t.db).findById(resultOf.get(11)).lean();
  expect(r11!.detailEnc).toBeUndefined();
  expect((await ScreeningCases(t.db).findById(caseOf.get(11)).lean())!.status).toBe('withdrawn');
});

async function sheet(rows: Array<{ no: number; us?: string; remark?: string }>, template: Buffer): Promise<string> {
  const tpl = new ExcelJS.Workbook();
  await tpl.xlsx.load(template as unknown as ArrayBuffer);
  const header = (tpl.worksheets[0]!.getRow(1).values as unknown[]).slice(1).map((v) => String(v ?? ''));
  // the hospital keeps the header and writes the rows it has results for
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('检查结果');
  ws.addRow(header);
  for (const r of rows) {
    const values: unknown[] = header.map(() => null);
    values[header.indexOf('编号')] = r.no;
    if (r.us) values[header.indexOf('乳腺彩超（B超）')] = r.us;
    if (r.remark) values[header.indexOf('备注')] = r.remark;
    ws.addRow(values);
  }
  return Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
}

test('the hospital sheet: template, a bad row imports nothing, errors by row; the fixed sheet imports all', async () => {
  const tpl = await fetch(`${t.url}${base()}/import-template`, { headers: { authorization: `Bearer ${town.token}` } });
  expect(tpl.status).toBe(200);
  const template = Buffer.from(await tpl.arrayBuffer());
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(template as unknown as ArrayBuffer);
  // 38 came, of them 2, 3, 4 and 11 have no consent: 34 rows, masked
  expect(wb.worksheets[0]!.rowCount).toBe(35);
  expect(String(wb.worksheets[0]!.getRow(2).getCell(2).value)).toMatch(/\*/);

  const list = (await as(town, 'GET', `${base()}/participants`)).body.items as Array<{ no: number; residentId: string }>;
  const noOf = (i: number) => list.find((x) => x.residentId === people[i]!.id)!.no;
  const wanted = people.map((_, i) => i).filter((i) => i < 20 && ![2, 3, 4, 11].includes(i));
  const good = wanted.map((i) => ({ no: noOf(i), us: i === 10 ? 'BI-RADS 4' : '阴性' }));
  const before = await ScreeningResults(t.db).countDocuments({});

  const bad = await as(town, 'POST', `${base()}/import`, {
    format: 'xlsx',
    content: await sheet([...good.slice(0, 5), { no: good[5]!.no, us: 'BI-RADS 9' }, ...good.slice(6), { no: noOf(3), us: '阴性' }], template),
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('IMPORT_INVALID');
  expect(bad.body.error.details.errors).toEqual([
    { row: 7, field: '乳腺彩超（B超）', message: expect.stringContaining('BI-RADS 9') },
    { row: good.length + 2, field: '编号', message: expect.stringContaining('纸质') },
  ]);
  expect(await ScreeningResults(t.db).countDocuments({})).toBe(before);

  const ok = await as(town, 'POST', `${base()}/import`, { format: 'xlsx', content: await sheet(good, template) });
  expect(ok.status).toBe(201);
  expect(ok.body).toMatchObject({ imported: 16, rows: 16, followUps: 1 });
  expect(await ScreeningResults(t.db).countDocuments({ programme: 'breast' })).toBe(16);
  const breastCase = await ScreeningCases(t.db).findOne({ programme: 'breast' }).lean();
  expect(String(breastCase!.residentId)).toBe(people[10]!.id);
  caseOf.set(10, String(breastCase!._id));
});

test('released results reach the resident: a notice that says only that a result is ready, then the page', async () => {
  const mine = (i: number) => t.request('GET', '/api/v1/me/screening-results', { token: people[i]!.token });
  const before = await mine(5);
  expect(before.body.items[0].results).toEqual([
    expect.objectContaining({ programme: 'cervical', released: false }),
    expect.objectContaining({ programme: 'breast', released: false }),
  ]);
  expect(JSON.stringify(before.body)).not.toContain('HSIL');
  // without consent nothing of hers is in the system: her result is on paper
  expect((await mine(3)).body.items).toEqual([]);

  const rel = await as(town, 'POST', `${base()}/release`, {});
  expect(rel.body).toMatchObject({ released: 50, notified: 34 });
  const notice = await Outbox(t.db)
    .findOne({ key: `screening:${talkId}:${people[5]!.id}:released` })
    .lean();
  expect(notice!.payload).toMatchObject({ templateKey: 'screening_result', data: { thing1: '健康检查结果', phrase2: '结果已出' } });
  expect(JSON.stringify(notice!.payload)).not.toMatch(/异常|HSIL|复查/);

  const after = (await mine(5)).body.items[0].results.find((r: { programme: string }) => r.programme === 'cervical');
  expect(after).toMatchObject({
    released: true,
    level: 'abnormal',
    levelLabel: '异常',
    followUp: { status: 'open', canCallBack: true, canConfirmWent: false },
  });
  expect(after.items[0]).toMatchObject({ testLabel: '宫颈细胞学（TCT）', codeLabel: '高级别鳞状上皮内病变' });
  expect(after.advice[0]).toContain('早发现早治疗');
  const normal = (await mine(0)).body.items[0].results;
  expect(normal.map((r: { level: string }) => r.level).sort()).toEqual(['normal', 'normal']);
  expect(normal[0].followUp).toBeNull();

  const call = await t.request('POST', `/api/v1/me/screening-results/${resultOf.get(8)}/callback`, { token: people[8]!.token });
  expect(call.body).toEqual({ callbackRequested: true });
  expect(await Outbox(t.db).countDocuments({ key: { $regex: `^screening:callback:${caseOf.get(8)}` } })).toBe(1);
  // someone else's result is not found
  expect((await t.request('POST', `/api/v1/me/screening-results/${resultOf.get(8)}/callback`, { token: people[9]!.token })).status).toBe(404);
});

test('follow-up cases walk every step, are scoped by the resident’s area, and overdue ones reach the worker and then the town', async () => {
  const caseUrl = (i: number) => `/api/admin/v1/screenings/cases/${caseOf.get(i)}`;
  const entered = t.clock.now();
  // scope: 南村's case is not for 东村's worker nor for 马尚's admin; 南村's worker sees it
  expect((await as(workerA, 'GET', caseUrl(39))).status).toBe(403);
  expect((await as(town, 'GET', caseUrl(39))).status).toBe(403);
  const board = await as(workerA, 'GET', '/api/admin/v1/screenings/cases?mine=true');
  expect(board.body.items.map((c: { id: string }) => c.id).sort()).toEqual([5, 6, 7, 8, 9, 10].map((i) => caseOf.get(i)).sort());
  expect(board.body.items.find((c: { id: string }) => c.id === caseOf.get(8)).callbackRequested).toBe(true);
  expect(JSON.stringify(board.body)).not.toMatch(/HSIL|居民\d/);

  // day 1: 南村's worker calls her resident
  await moveTo(new Date(entered.getTime() + 1 * DAY));
  const c39 = await as(workerC, 'POST', `${caseUrl(39)}/contacts`, { kind: 'phone', nextStep: 'recheck', note: '已约下周复查' });
  expect(c39.status).toBe(201);
  expect(c39.body).toMatchObject({ caseStatus: 'contacted', contact: { kindLabel: '电话', topicLabel: '检查结果随访' } });

  // day 2: case 5 all the way; case 10 contacted and referred
  await moveTo(new Date(entered.getTime() + 2 * DAY));
  expect((await as(workerA, 'POST', `${caseUrl(5)}/contacts`, { kind: 'home_visit', nextStep: 'refer', note: '本人同意转诊' })).body.caseStatus).toBe(
    'contacted',
  );
  const noHospital = await as(workerA, 'POST', `${caseUrl(5)}/transitions`, { to: 'referred' });
  expect(noHospital.status).toBe(400);
  expect((await as(workerA, 'POST', `${caseUrl(5)}/transitions`, { to: 'referred', hospital: '不存在的医院' })).body.error.code).toBe('UNKNOWN_HOSPITAL');
  expect((await as(workerA, 'POST', `${caseUrl(5)}/transitions`, { to: 'referred', hospital: HOSPITAL })).body).toMatchObject({ status: 'referred' });
  const page = (await t.request('GET', '/api/v1/me/screening-results', { token: people[5]!.token })).body.items[0].results.find(
    (r: { programme: string }) => r.programme === 'cervical',
  );
  expect(page.followUp).toMatchObject({
    statusLabel: '已转诊',
    canConfirmWent: true,
    hospital: { name: HOSPITAL, address: '张店区人民西路 1 号', phone: '0533-2222222' },
  });
  const went = await t.request('POST', `/api/v1/me/screening-results/${resultOf.get(5)}/went`, { token: people[5]!.token });
  expect(went.body).toEqual({ status: 'attended', statusLabel: '已就诊' });
  expect((await as(workerA, 'POST', `${caseUrl(5)}/transitions`, { to: 'diagnosed', note: '病理：CIN2' })).body.status).toBe('diagnosed');
  expect((await as(workerA, 'POST', `${caseUrl(5)}/transitions`, { to: 'closed' })).body.status).toBe('closed');
  expect((await as(workerA, 'POST', `${caseUrl(5)}/transitions`, { to: 'contacted' })).body.error.code).toBe('INVALID_TRANSITION');
  await as(workerA, 'POST', `${caseUrl(10)}/contacts`, { kind: 'phone', nextStep: 'refer' });
  await as(workerA, 'POST', `${caseUrl(10)}/transitions`, { to: 'referred', hospital: HOSPITAL });

  const full = await as(workerA, 'GET', caseUrl(5));
  expect(full.status).toBe(200);
  expect(full.body.resident.name).toMatch(/^居民\d+$/);
  expect(full.body.history.map((h: { to: string }) => h.to)).toEqual(['open', 'contacted', 'referred', 'attended', 'diagnosed', 'closed']);
  expect(full.body.history[3]).toMatchObject({ actorType: 'resident' });
  expect(full.body.history[4].note).toBe('病理：CIN2');
  expect(full.body.contacts[0]).toMatchObject({ note: '本人同意转诊', kind: 'home_visit' });
  expect(full.body.result.remark).toBe('建议阴道镜');

  // day 3: case 6 contacted, then lost: a reason is required
  await moveTo(new Date(entered.getTime() + 3 * DAY));
  await as(workerA, 'POST', `${caseUrl(6)}/contacts`, { kind: 'phone', nextStep: 'call_again' });
  expect((await as(workerA, 'POST', `${caseUrl(6)}/transitions`, { to: 'lost' })).status).toBe(400);
  expect((await as(workerA, 'POST', `${caseUrl(6)}/transitions`, { to: 'lost', lostReason: 'refused' })).body).toMatchObject({
    status: 'lost',
    lostReason: 'refused',
  });

  // day 8: 7, 8 and 9 are past their first-contact deadline: overdue first on the board, the worker gets one message
  await moveTo(new Date(entered.getTime() + 8 * DAY));
  const late = await as(workerA, 'GET', '/api/admin/v1/screenings/cases?mine=true');
  expect(late.body.items.slice(0, 3).map((c: { id: string; overdue: boolean }) => [c.id, c.overdue])).toEqual(
    expect.arrayContaining([7, 8, 9].map((i) => [caseOf.get(i), true])),
  );
  expect(late.body.items.slice(3).every((c: { overdue: boolean }) => !c.overdue)).toBe(true);
  expect((await as(workerA, 'GET', '/api/admin/v1/screenings/cases/summary')).body).toEqual({ open: 4, overdue: 3, callbacks: 1 });
  expect(await queueOverdue(t.app)).toEqual({ reminded: 1, escalated: 0 });
  expect(await queueOverdue(t.app)).toEqual({ reminded: 0, escalated: 0 });
  const msg = await Outbox(t.db)
    .findOne({ key: { $regex: `^screening:overdue:${workerA.id}:` } })
    .lean();
  expect(msg!.payload).toMatchObject({ contactId: 'wx-worker-a', text: expect.stringContaining('3 人') });

  // day 20: 7 contacted late; 8 and 9 past the second deadline: escalated once to the town admin
  await moveTo(new Date(entered.getTime() + 20 * DAY));
  await as(workerA, 'POST', `${caseUrl(7)}/contacts`, { kind: 'phone', nextStep: 'recheck' });
  expect(await queueOverdue(t.app)).toEqual({ reminded: 1, escalated: 2 });
  expect(await queueOverdue(t.app)).toEqual({ reminded: 0, escalated: 0 });
  const up = await Outbox(t.db)
    .findOne({ key: { $regex: `^screening:escalate:${town.id}:` } })
    .lean();
  expect(up!.payload).toMatchObject({ contactId: 'wx-town-ms', text: expect.stringContaining('2 个') });
  const townBoard = await as(town, 'GET', '/api/admin/v1/screenings/cases?state=overdue');
  expect(townBoard.body.items.map((c: { id: string; escalated: boolean }) => [c.id, c.escalated])).toEqual(
    expect.arrayContaining([8, 9].map((i) => [caseOf.get(i), true])),
  );

  // a counselling visit without a case; the list shows topic and next step, never the note
  const visit = await as(workerA, 'POST', '/api/admin/v1/screenings/contacts', {
    residentId: people[20]!.id,
    kind: 'home_visit',
    topic: 'fertility_guidance',
    nextStep: 'revisit',
    note: '咨询放环事宜',
  });
  expect(visit.status).toBe(201);
  const visits = await as(workerA, 'GET', '/api/admin/v1/screenings/contacts');
  expect(visits.body.items[0]).toMatchObject({ topicLabel: '生育调节指导', nextStepLabel: '再次上门' });
  expect(JSON.stringify(visits.body)).not.toContain('放环');
  expect(
    (await as(workerA, 'POST', '/api/admin/v1/screenings/contacts', { residentId: people[39]!.id, kind: 'phone', topic: 'other', nextStep: 'none' })).status,
  ).toBe(404);
});

test('figures per area and programme, counted by hand', async () => {
  const { from, to } = shanghaiYear(2026);
  const f = await screeningFigures(t.app, { root: '370303', codes: ['370303', TOWN_MS, TOWN_ND, VILLAGE_A], from, to, now: t.clock.now() });
  const get = (code: string, key: string) => f.get(code)?.get(key) ?? 0;
  const row = (code: string, p: string) =>
    Object.fromEntries(
      ['screened', 'entered', 'review', 'abnormal', 'contacted7', 'contacted30', 'referred', 'attendedReferral', 'lost'].map((k) => [
        k,
        get(code, `${p}:${k}`),
      ]),
    );
  // 马尚: 37 came (38 minus 南村's); cervical entered for 34 (35 minus 南村's); review 7, 8, 9; abnormal 5, 6, 11
  // (11 withdrew: the level stays, counted); cases 5, 6 contacted on days 2–3, 7 on day 20; 5 referred and went; 6 lost.
  expect(row(TOWN_MS, 'cervical')).toEqual({
    screened: 37,
    entered: 34,
    review: 3,
    abnormal: 3,
    contacted7: 2,
    contacted30: 3,
    referred: 1,
    attendedReferral: 1,
    lost: 1,
  });
  expect(row(TOWN_MS, 'breast')).toEqual({
    screened: 37,
    entered: 16,
    review: 0,
    abnormal: 1,
    contacted7: 1,
    contacted30: 1,
    referred: 1,
    attendedReferral: 0,
    lost: 0,
  });
  expect(row(TOWN_ND, 'cervical')).toEqual({
    screened: 1,
    entered: 1,
    review: 0,
    abnormal: 1,
    contacted7: 1,
    contacted30: 1,
    referred: 0,
    attendedReferral: 0,
    lost: 0,
  });
  expect(row('370303', 'cervical')).toMatchObject({ screened: 38, entered: 35, abnormal: 4 });
  expect(row(VILLAGE_A, 'checkup')).toMatchObject({ screened: 0, entered: 0 });

  const dash = await as(town, 'GET', `/api/admin/v1/dashboard?area=${TOWN_MS}&year=2026`);
  expect(dash.status).toBe(200);
  expect(JSON.stringify(dash.body)).toContain('"programme":"cervical","label":"宫颈癌筛查","screened":37,"entered":34');
});

test('erasing the resident removes her codes and notes; the counts stay', async () => {
  const { screeningResidentData } = await import('../../src/modules/screenings/screenings.data');
  const id = new Types.ObjectId(people[5]!.id);
  const exported = (await screeningResidentData.export(t.app, id)) as { results: Array<{ items: string[] }> };
  expect(exported.results.flatMap((r) => r.items).join()).toContain('高级别');
  await screeningResidentData.erase(t.app, id);
  const r = await ScreeningResults(t.db).findById(resultOf.get(5)).lean();
  expect(r).toMatchObject({ level: 'abnormal' });
  expect(r!.detailEnc).toBeUndefined();
  const full = await as(workerA, 'GET', `/api/admin/v1/screenings/cases/${caseOf.get(5)}`);
  expect(full.body.history.every((h: { note: string | null }) => h.note === null)).toBe(true);
  expect(full.body.result.erased).toBe(true);
});
