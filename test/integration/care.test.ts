import { AuditLog } from '../../src/modules/audit/audit.model';
import { CareFamilies, CareVisits, HelpRequests } from '../../src/modules/care/care.model';
import { runCareRetention } from '../../src/modules/care/care.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B, VILLAGE_C } from '../helpers/fixtures';

jest.setTimeout(120_000);
let t: TestApp;
type Login = { token: string; id: string };
let worker: Login, core: Login, neighbour: Login, elsewhere: Login, town: Login, otherTown: Login, district: Login;
let familyId: string;
const base = '/api/admin/v1/care';

const family = (over: Record<string, unknown> = {}) => ({
  type: 'shidu',
  villageCode: VILLAGE_A,
  contact: { name: '张桂兰', phone: '13912345678' },
  members: [
    { name: '张桂兰', relation: '本人', birthYear: 1958 },
    { name: '刘德福', relation: '配偶', birthYear: 1955 },
  ],
  needs: '老两口身体不好，需要定期量血压，逢年过节陪伴。',
  consent: { method: 'signed_form' },
  ...over,
});

beforeAll(async () => {
  t = await startTestApp({ config: { STAFF_TOKEN_TTL_HOURS: '168' } });
  await seedVillages(t);
  worker = await staffLogin(t, 'village_worker', VILLAGE_A);
  core = await staffLogin(t, 'village_worker', VILLAGE_A);
  neighbour = await staffLogin(t, 'village_worker', VILLAGE_A);
  elsewhere = await staffLogin(t, 'village_worker', VILLAGE_C);
  town = await staffLogin(t, 'town_admin', TOWN_MS);
  otherTown = await staffLogin(t, 'town_admin', TOWN_ND);
  district = await staffLogin(t, 'district_admin', '370303');
});
afterAll(() => t.close());

describe('registering families', () => {
  test('when a village worker registers a family with its consent, then every personal field is sealed and replies are masked', async () => {
    const res = await t.request('POST', `${base}/families`, { token: worker.token, body: family({ pairedStaffId: core.id }) });
    expect(res.status).toBe(201);
    familyId = res.body.id;
    expect(res.body).toMatchObject({ typeLabel: '计生特殊家庭（失独）', status: 'active', pairedStaffId: core.id, visitEveryDays: 30, overdue: false });
    expect(res.body.personal.contact).toEqual({ name: '张**', phone: '139****5678' });
    const raw = JSON.stringify(await CareFamilies(t.db).findById(familyId).lean());
    for (const plain of ['张桂兰', '刘德福', '13912345678', '量血压']) expect(raw).not.toContain(plain);
  });

  test('when the input is wrong, then nothing is stored and the error says why in Chinese', async () => {
    const before = await CareFamilies(t.db).countDocuments();
    const noConsent = await t.request('POST', `${base}/families`, { token: worker.token, body: { ...family(), consent: undefined } });
    expect(noConsent.status).toBe(400);
    const pairedAway = await t.request('POST', `${base}/families`, { token: worker.token, body: family({ pairedStaffId: elsewhere.id }) });
    expect(pairedAway.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('骨干会员') });
    expect((await t.request('POST', `${base}/families`, { token: worker.token, body: family({ villageCode: VILLAGE_B }) })).status).toBe(403);
    expect(await CareFamilies(t.db).countDocuments()).toBe(before);
  });
});

describe('pairing a family', () => {
  test('when a village worker registering a family asks whom to pair with, then they get their village’s workers by name only, and nothing outside their area', async () => {
    const res = await t.request('GET', `${base}/pair-options?villageCode=${VILLAGE_A}`, { token: worker.token });
    expect(res.status).toBe(200);
    expect(res.body.items.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining([worker.id, core.id, neighbour.id]));
    expect(res.body.items.map((s: { id: string }) => s.id)).not.toContain(elsewhere.id);
    for (const s of res.body.items) expect(Object.keys(s).sort()).toEqual(['id', 'name']);
    expect((await t.request('GET', `${base}/pair-options?villageCode=${VILLAGE_B}`, { token: worker.token })).status).toBe(403);
    expect((await t.request('GET', `${base}/pair-options?villageCode=${VILLAGE_A}`, { token: otherTown.token })).status).toBe(403);
    expect((await t.request('GET', `${base}/pair-options?villageCode=${TOWN_MS}`, { token: town.token })).body.error.code).toBe('VALIDATION_FAILED');
    const fromTown = await t.request('GET', `${base}/pair-options?villageCode=${VILLAGE_A}`, { token: town.token });
    expect(fromTown.body.items).toHaveLength(res.body.items.length);
  });
});

describe('who sees a family', () => {
  const routes = (): Array<[string, string, unknown?]> => [
    ['GET', `${base}/families/${familyId}`],
    ['PATCH', `${base}/families/${familyId}`, { needs: '改一改' }],
    ['POST', `${base}/families/${familyId}/visits`, { on: '2026-11-27', done: '上门看望' }],
    ['GET', `${base}/families/${familyId}/visits`],
    ['POST', `${base}/families/${familyId}/help-requests`, { kind: 'medical', detail: '需要陪同就医' }],
    ['GET', `${base}/families/${familyId}/help-requests`],
    ['POST', `${base}/families/${familyId}/close`, { reason: '搬走' }],
    ['POST', `${base}/families/${familyId}/withdraw-consent`],
  ];

  test('when staff outside the family’s circle call any care route, then they get 403/404 and nothing changes', async () => {
    const before = JSON.stringify(await CareFamilies(t.db).findById(familyId).lean());
    for (const who of [neighbour, elsewhere, otherTown]) {
      for (const [method, path, body] of routes()) {
        const res = await t.request(method, path, { token: who.token, body });
        expect([method, path, [403, 404].includes(res.status)]).toEqual([method, path, true]);
      }
      const list = await t.request('GET', `${base}/families`, { token: who.token });
      expect(list.body.items.map((f: { id: string }) => f.id)).not.toContain(familyId);
    }
    expect(JSON.stringify(await CareFamilies(t.db).findById(familyId).lean())).toBe(before);
    expect(await CareVisits(t.db).countDocuments()).toBe(0);
    expect(await HelpRequests(t.db).countDocuments()).toBe(0);
    expect((await t.request('GET', `${base}/figures`, { token: worker.token })).status).toBe(403);
  });

  test('when the registering worker, the paired core member and admins in scope look, then they see it; a full view is audited each time', async () => {
    for (const who of [worker, core, town, district]) {
      const list = await t.request('GET', `${base}/families`, { token: who.token });
      expect(list.body.items.map((f: { id: string }) => f.id)).toContain(familyId);
      const full = await t.request('GET', `${base}/families/${familyId}`, { token: who.token });
      expect(full.body.personal.contact).toEqual({ name: '张桂兰', phone: '13912345678' });
    }
    expect(await AuditLog(t.db).countDocuments({ action: 'care.family_view', targetId: familyId })).toBe(4);
  });

  test('when the masked list, a change or the town’s printable list is read, then the sealed needs are not in it; only the audited full view has them', async () => {
    const views = await AuditLog(t.db).countDocuments({ action: 'care.family_view', targetId: familyId });
    const list = await t.request('GET', `${base}/families`, { token: town.token });
    const mine = list.body.items.find((f: { id: string }) => f.id === familyId);
    expect(mine.personal.contact.name).toBe('张**');
    expect(mine.personal).not.toHaveProperty('needs');
    expect(JSON.stringify(list.body)).not.toContain('量血压');
    const changed = await t.request('PATCH', `${base}/families/${familyId}`, {
      token: worker.token,
      body: { needs: '老两口身体不好，需要定期量血压，逢年过节陪伴。' },
    });
    expect(changed.status).toBe(200);
    expect(JSON.stringify(changed.body)).not.toContain('量血压');
    const printable = await t.request('GET', `${base}/families/export`, { token: town.token });
    expect(printable.body.full).toBe(false);
    expect(JSON.stringify(printable.body)).not.toContain('量血压');
    expect(await AuditLog(t.db).countDocuments({ action: 'care.family_view', targetId: familyId })).toBe(views);
    const full = await t.request('GET', `${base}/families/${familyId}`, { token: town.token });
    expect(full.body.personal.needs).toBe('老两口身体不好，需要定期量血压，逢年过节陪伴。');
    expect(await AuditLog(t.db).countDocuments({ action: 'care.family_view', targetId: familyId })).toBe(views + 1);
  });
});

describe('visits, schedule and help', () => {
  test('when a visit is logged, then the next one is due a month after it; once that is past, the family is on the overdue list', async () => {
    expect((await t.request('GET', `${base}/families?overdue=true`, { token: worker.token })).body.items).toEqual([]);
    // Logged late: the visit was on 20 October, so the next one was due on 19 November.
    const v = await t.request('POST', `${base}/families/${familyId}/visits`, {
      token: core.token,
      body: { on: '2026-10-20', done: '量了血压，130/85', nextStep: '下月陪同复查' },
    });
    expect(v.status).toBe(201);
    const raw = JSON.stringify(await CareVisits(t.db).findOne({ familyId }).lean());
    expect(raw).not.toContain('血压');
    const log = await t.request('GET', `${base}/families/${familyId}/visits`, { token: worker.token });
    expect(log.body.items).toEqual([expect.objectContaining({ on: '2026-10-20', done: '量了血压，130/85', nextStep: '下月陪同复查' })]);
    expect(await AuditLog(t.db).countDocuments({ action: 'care.visits_view', targetId: familyId })).toBe(1);
    const overdue = await t.request('GET', `${base}/families?overdue=true`, { token: town.token });
    expect(overdue.body.items.map((f: { id: string; overdue: boolean }) => [f.id, f.overdue])).toEqual([[familyId, true]]);
  });

  test('when a help request moves, then only allowed steps apply, a decline needs a reason, and of two concurrent moves one wins', async () => {
    const h = await t.request('POST', `${base}/families/${familyId}/help-requests`, {
      token: worker.token,
      body: { kind: 'medical', detail: '需要陪同去区医院复查' },
    });
    expect(h.body).toMatchObject({ status: 'open', statusLabel: '待处理' });
    expect(JSON.stringify(await HelpRequests(t.db).findById(h.body.id).lean())).not.toContain('区医院');
    const move = (to: string, note?: string, token = worker.token) =>
      t.request('POST', `${base}/help-requests/${h.body.id}/transitions`, { token, body: { to, ...(note ? { note } : {}) } });
    expect((await move('resolved')).body.error.code).toBe('INVALID_TRANSITION');
    expect((await move('declined')).status).toBe(400);
    expect((await move('in_progress', undefined, neighbour.token)).status).toBe(404);
    const both = await Promise.all([move('in_progress'), move('in_progress', undefined, core.token)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const done = await move('resolved', '已陪同复查');
    expect(done.body).toMatchObject({ status: 'resolved', statusLabel: '已解决' });
    expect(done.body.history.map((s: { to: string }) => s.to)).toEqual(['open', 'in_progress', 'resolved']);
  });

  test('when the town asks for figures, then each village shows families by type, visits overdue and done, and help open', async () => {
    await t.request('POST', `${base}/families`, { token: worker.token, body: family({ type: 'liushou_child', contact: { name: '王小明' } }) });
    await t.request('POST', `${base}/families/${familyId}/help-requests`, { token: worker.token, body: { kind: 'daily_care', detail: '冬季取暖' } });
    const figures = await t.request('GET', `${base}/figures?since=2026-10-01`, { token: town.token });
    expect(figures.body.villages).toEqual([{ villageCode: VILLAGE_A, families: { shidu: 1, liushou_child: 1 }, visitsOverdue: 1, visitsDone: 1, helpOpen: 1 }]);
    expect((await t.request('GET', `${base}/figures`, { token: otherTown.token })).body.villages).toEqual([]);
  });

  test('when the list is exported, then it is masked unless a district admin asks, and audited with its row count', async () => {
    const masked = await t.request('GET', `${base}/families/export`, { token: town.token });
    expect(masked.body.full).toBe(false);
    expect(JSON.stringify(masked.body)).not.toContain('张桂兰');
    const full = await t.request('GET', `${base}/families/export`, { token: district.token });
    expect(full.body.full).toBe(true);
    expect(JSON.stringify(full.body)).toContain('张桂兰');
    const audits = await AuditLog(t.db).find({ action: 'care.export' }).lean();
    expect(audits.map((a) => a.details).slice(-2)).toEqual([
      { rows: 2, full: false },
      { rows: 2, full: true },
    ]);
  });
});

describe('consent withdrawal and retention', () => {
  test('when the family withdraws consent, then its personal data, visit notes and help details are erased at once; figures keep it', async () => {
    const res = await t.request('POST', `${base}/families/${familyId}/withdraw-consent`, { token: worker.token });
    expect(res.body).toMatchObject({ status: 'withdrawn', personal: null });
    const doc = (await CareFamilies(t.db).findById(familyId).lean())!;
    expect(doc.personalEnc).toBeUndefined();
    expect(await CareVisits(t.db).countDocuments({ familyId, notesEnc: { $exists: true } })).toBe(0);
    expect(await HelpRequests(t.db).countDocuments({ familyId, detailEnc: { $exists: true } })).toBe(0);
    expect((await t.request('POST', `${base}/families/${familyId}/visits`, { token: worker.token, body: { on: '2026-11-27', done: '再去看看' } })).status).toBe(
      409,
    );
  });

  test('when a family taken off the registry passes the retention period, then the scheduled job erases its personal data', async () => {
    const list = await t.request('GET', `${base}/families?type=liushou_child`, { token: worker.token });
    const id = list.body.items[0].id;
    expect((await t.request('POST', `${base}/families/${id}/close`, { token: worker.token, body: { reason: '孩子随父母外出' } })).body.status).toBe('closed');
    expect(await runCareRetention(t.app)).toEqual({ erased: 0 });
    t.clock.advance(366 * 86_400_000);
    expect(await runCareRetention(t.app)).toEqual({ erased: 1 });
    expect((await CareFamilies(t.db).findById(id).lean())?.personalEnc).toBeUndefined();
    expect(await runCareRetention(t.app)).toEqual({ erased: 0 });
  });
});
