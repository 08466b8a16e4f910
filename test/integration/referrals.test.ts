import { mongo, Types } from 'mongoose';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { Outbox } from '../../src/notify/outbox.model';
import { ReferralPhotos, Referrals, ReferralTransitions } from '../../src/modules/referrals/referrals.model';
import { runReferralRetention } from '../../src/modules/referrals/referrals.retention';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B } from '../helpers/fixtures';

let t: TestApp;
let guardian: { token: string; id: string };
let townMs: { token: string; id: string };
let townNd: { token: string; id: string };
let villageB: { token: string; id: string };

beforeAll(async () => {
  t = await startTestApp({ now: '2026-11-28T02:00:00Z' });
  await seedVillages(t);
  guardian = await childConsentResident('guardian');
  townMs = await staffLogin(t, 'town_admin', TOWN_MS);
  townNd = await staffLogin(t, 'town_admin', TOWN_ND);
  villageB = await staffLogin(t, 'village_worker', VILLAGE_B);
});
afterAll(() => t.close());

async function childConsentResident(name: string) {
  const r = await residentLogin(t, name, { village: VILLAGE_A, phone: '13800001111' });
  const res = await t.request('POST', '/api/v1/me/consents', {
    token: r.token,
    body: { purpose: 'child-data', policyVersion: t.app.config.POLICY_VERSION, guardianRelation: '母亲' },
  });
  expect(res.status).toBe(201);
  return r;
}

async function relogin(name: string) {
  const res = await t.request('POST', '/api/v1/auth/login', { body: { code: `user:${name}:again${Date.now()}` } });
  return { token: res.body.token as string, id: res.body.resident.id as string };
}

const form = (over: Record<string, unknown> = {}) => ({
  childName: '李小宝',
  childSex: 'male',
  childBirthDate: '2026-07-10',
  condition: 'cleft_lip',
  diagnosed: true,
  diagnosedWhere: '淄博市妇幼保健院',
  otherConditions: '先天性心脏病待查',
  household: ['dibao'],
  guardianRelation: '母亲',
  guardianPhone: '13912345678',
  villageCode: VILLAGE_A,
  ...over,
});

async function submit(token = guardian.token, over: Record<string, unknown> = {}) {
  const res = await t.request('POST', '/api/v1/referrals', { token, body: form(over) });
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string };
}

const move = (id: string, body: Record<string, unknown>, token = townMs.token) =>
  t.request('POST', `/api/admin/v1/referrals/${id}/transitions`, { token, body });

describe('consent and submission', () => {
  test('when the guardian has not given child-data consent, then the referral is refused with 403 and nothing is stored', async () => {
    const r = await residentLogin(t, 'noconsent', { village: VILLAGE_A });
    const before = await Referrals(t.db).countDocuments();
    const res = await t.request('POST', '/api/v1/referrals', { token: r.token, body: form() });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'CONSENT_REQUIRED', details: { purpose: 'child-data' } });
    expect(await Referrals(t.db).countDocuments()).toBe(before);
  });

  test('when child-data consent is given without a guardian relation, then the consent itself is refused', async () => {
    const r = await residentLogin(t, 'norelation', { village: VILLAGE_A });
    const res = await t.request('POST', '/api/v1/me/consents', { token: r.token, body: { purpose: 'child-data', policyVersion: t.app.config.POLICY_VERSION } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('guardianRelation');
  });

  test('when a guardian submits, then the reply is masked and the raw document holds no plaintext name, phone or diagnosis', async () => {
    const created = await submit();
    const mine = await t.request('GET', `/api/v1/referrals/${created.id}`, { token: guardian.token });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ status: 'submitted', statusLabel: '已提交', childNameMasked: '李**', canWithdraw: true });
    expect(mine.body.history).toEqual([{ status: 'submitted', statusLabel: '已提交', at: '2026-11-28T02:00:00.000Z', note: null }]);
    const raw = JSON.stringify(await t.db.collection('referrals').findOne({ _id: new Types.ObjectId(created.id) }));
    for (const plain of ['李小宝', '13912345678', 'cleft_lip', '先天性心脏病', '妇幼保健院', '2026-07-10', 'dibao']) expect(raw).not.toContain(plain);
    expect(JSON.stringify(mine.body)).not.toContain('13912345678');
  });

  test('when the same submission is retried with its Idempotency-Key, then one referral exists and the first reply comes back', async () => {
    const headers = { 'idempotency-key': 'referral-retry-0001' };
    const before = await Referrals(t.db).countDocuments();
    const a = await t.request('POST', '/api/v1/referrals', { token: guardian.token, body: form({ childName: '重试' }), headers });
    const b = await t.request('POST', '/api/v1/referrals', { token: guardian.token, body: form({ childName: '重试' }), headers });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.id).toBe(a.body.id);
    expect(await Referrals(t.db).countDocuments()).toBe(before + 1);
  });

  test('when the birth date is in the future, then a field-level error names childBirthDate', async () => {
    const res = await t.request('POST', '/api/v1/referrals', { token: guardian.token, body: form({ childBirthDate: '2027-01-01' }) });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'childBirthDate', message: '出生日期不正确' }]);
  });
});

describe('who can see a referral', () => {
  let id: string;
  beforeAll(async () => {
    id = (await submit()).id;
  });

  test('when another resident asks for it, then 404, and it is not in their list', async () => {
    const other = await childConsentResident('nosy');
    expect((await t.request('GET', `/api/v1/referrals/${id}`, { token: other.token })).status).toBe(404);
    expect((await t.request('POST', `/api/v1/referrals/${id}/withdraw`, { token: other.token, body: {} })).status).toBe(404);
    expect((await t.request('GET', '/api/v1/referrals', { token: other.token })).body.items).toEqual([]);
  });

  test('when staff of another town or another village ask, then 403 and their lists do not include it', async () => {
    expect((await t.request('GET', `/api/admin/v1/referrals/${id}`, { token: townNd.token })).status).toBe(403);
    expect((await t.request('GET', `/api/admin/v1/referrals/${id}`, { token: villageB.token })).status).toBe(403);
    expect((await move(id, { to: 'reviewing' }, townNd.token)).status).toBe(403);
    const list = await t.request('GET', '/api/admin/v1/referrals', { token: townNd.token });
    expect(list.body.items).toEqual([]);
  });

  test('when scoped staff open it in full, then they see the details and an audit record is written', async () => {
    const res = await t.request('GET', `/api/admin/v1/referrals/${id}`, { token: townMs.token });
    expect(res.status).toBe(200);
    expect(res.body.child).toEqual({
      childName: '李小宝',
      childSex: 'male',
      childBirthDate: '2026-07-10',
      condition: 'cleft_lip',
      diagnosed: true,
      diagnosedWhere: '淄博市妇幼保健院',
      otherConditions: '先天性心脏病待查',
      household: ['dibao'],
      guardianRelation: '母亲',
      guardianPhoneMasked: '139****5678',
    });
    expect(JSON.stringify(res.body)).not.toContain('13912345678'); // the guardian's phone never in full
    // born 2026-07-10, today 2026-11-28: 4 months, inside the lip window
    expect(res.body.priority).toEqual({ code: 'in_window', label: '正在最佳手术窗口', ageMonths: 4 });
    const audits = await AuditLog(t.db).find({ action: 'referral.view_full', targetId: id }).lean();
    expect(audits).toHaveLength(1);
    expect(audits[0]!.actorId).toBe(townMs.id);
  });
});

describe('duplicates', () => {
  test('when the same child is referred twice, then both cases exist and each is flagged with one possible duplicate', async () => {
    const other = await childConsentResident('grandma');
    const a = await submit(guardian.token, { childName: '王小丫', childBirthDate: '2025-12-01', guardianPhone: '13700000001' });
    const b = await submit(other.token, { childName: '王小丫', childBirthDate: '2025-12-01', guardianPhone: '13700000001', guardianRelation: '祖父母' });
    const c = await submit(other.token, { childName: '王小丫', childBirthDate: '2025-12-02', guardianPhone: '13700000001' });
    const list = await t.request('GET', '/api/admin/v1/referrals?limit=100', { token: townMs.token });
    const flag = (id: string) => list.body.items.find((i: { id: string }) => i.id === id)?.possibleDuplicates;
    expect([flag(a.id), flag(b.id), flag(c.id)]).toEqual([1, 1, 0]);
    const full = await t.request('GET', `/api/admin/v1/referrals/${a.id}`, { token: townMs.token });
    expect(full.body.duplicates.map((d: { id: string }) => d.id)).toEqual([b.id]);
    expect(full.body.duplicatesOutsideArea).toBe(0);
  });

  test('when the same child is also referred in another town, then staff here see it counted but not listed', async () => {
    const far = await residentLogin(t, 'fartown', { village: '370303-Z-ND-vc', phone: '13800003333' });
    await t.request('POST', '/api/v1/me/consents', {
      token: far.token,
      body: { purpose: 'child-data', policyVersion: t.app.config.POLICY_VERSION, guardianRelation: '父亲' },
    });
    const child = { childName: '孙小朵', childBirthDate: '2026-01-05', guardianPhone: '13700000009' };
    const here = await submit(guardian.token, child);
    await submit(far.token, { ...child, villageCode: '370303-Z-ND-vc' });
    const full = await t.request('GET', `/api/admin/v1/referrals/${here.id}`, { token: townMs.token });
    expect(full.body.duplicates).toEqual([]);
    expect(full.body.duplicatesOutsideArea).toBe(1);
  });
});

describe('workflow', () => {
  const outboxFor = (id: string) => Outbox(t.db).find({ 'source.referralId': id }).sort({ key: 1 }).lean();

  test('when a case goes the whole way, then each transition is recorded with actor and note and queues exactly one notice', async () => {
    const { id } = await submit();
    expect((await move(id, { to: 'reviewing', note: '已电话联系' })).status).toBe(200);
    expect((await move(id, { to: 'referred', referredTo: '齐鲁医院唇腭裂中心' })).status).toBe(200);
    expect((await move(id, { to: 'surgery_scheduled', surgeryDate: '2026-12-15' })).status).toBe(200);
    const done = await move(id, { to: 'completed' });
    expect(done.body).toMatchObject({ status: 'completed', referredTo: '齐鲁医院唇腭裂中心', surgeryDate: '2026-12-15' });
    expect(done.body.history.map((h: { to: string }) => h.to)).toEqual(['submitted', 'reviewing', 'referred', 'surgery_scheduled', 'completed']);
    expect(done.body.history[1]).toMatchObject({ actorType: 'staff', note: '已电话联系' });
    // A move answers with the masked case and is not a full view: no details, no audit entry.
    expect(done.body).toMatchObject({ childNameMasked: '李**', guardianPhoneMasked: '139****5678' });
    expect(done.body.child).toBeUndefined();
    for (const secret of ['李小宝', '13912345678', '淄博市妇幼保健院', '先天性心脏病待查']) expect(JSON.stringify(done.body)).not.toContain(secret);
    expect(await AuditLog(t.db).countDocuments({ action: 'referral.view_full', targetId: id })).toBe(0);
    const items = await outboxFor(id);
    expect(items.map((i) => i.key)).toEqual([1, 2, 3, 4].map((n) => `referral:${id}:status:${n}`));
    expect(items.every((i) => i.channel === 'subscribe' && i.payload.templateKey === 'referral_status' && i.payload.residentId === guardian.id)).toBe(true);
    expect(items.map((i) => (i.payload.data as Record<string, string>).phrase2)).toEqual(['审核中', '已转介', '已安排手术', '已完成']);
    expect(JSON.stringify(items)).not.toContain('李小宝');
  });

  test.each([
    ['submitted', 'completed'],
    ['submitted', 'surgery_scheduled'],
    ['submitted', 'submitted'],
  ])('when staff move a %s case to %s, then 409 and nothing changes', async (_from, to) => {
    const { id } = await submit();
    const res = await move(id, { to, surgeryDate: '2026-12-01' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('INVALID_TRANSITION');
    expect((await Referrals(t.db).findById(id).lean())!.status).toBe('submitted');
    expect(await outboxFor(id)).toHaveLength(0);
  });

  test('when a finished case is moved again, then 409', async () => {
    const { id } = await submit();
    await move(id, { to: 'not_eligible', reason: '年龄超出项目范围' });
    expect((await move(id, { to: 'reviewing' })).status).toBe(409);
  });

  test('when a required detail is missing (hospital, date, reason), then 400 names the field', async () => {
    const { id } = await submit();
    const res = await move(id, { to: 'not_eligible' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('reason');
  });

  test('when staff try to withdraw, then 403; when the guardian withdraws, then withdrawn, once', async () => {
    const { id } = await submit();
    expect((await move(id, { to: 'withdrawn' })).status).toBe(403);
    const w = await t.request('POST', `/api/v1/referrals/${id}/withdraw`, { token: guardian.token, body: { note: '已在外院手术' } });
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ status: 'withdrawn', canWithdraw: false });
    const again = await t.request('POST', `/api/v1/referrals/${id}/withdraw`, { token: guardian.token, body: {} });
    expect(again.status).toBe(409);
    expect(await outboxFor(id)).toHaveLength(1);
  });

  test('when several people change the same case at the same moment, then exactly one change applies and one notice is queued', async () => {
    const { id } = await submit();
    // Every request is only valid from "submitted": whichever lands first wins, the rest must be refused.
    const results = await Promise.all([
      move(id, { to: 'reviewing', note: 'A' }),
      move(id, { to: 'reviewing', note: 'B' }),
      move(id, { to: 'reviewing', note: 'C' }),
      move(id, { to: 'reviewing', note: 'D' }),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
    const steps = await ReferralTransitions(t.db).find({ referralId: id }).lean();
    expect(steps.map((s) => s.seq).sort()).toEqual([0, 1]);
    expect((await Referrals(t.db).findById(id).lean())!).toMatchObject({ status: 'reviewing', seq: 1 });
    expect(await outboxFor(id)).toHaveLength(1);
  });

  test('when a transition was inserted but the process stopped before updating the case, then the next change finishes it first', async () => {
    const { id } = await submit();
    await ReferralTransitions(t.db).create({
      referralId: id,
      seq: 1,
      from: 'submitted',
      to: 'reviewing',
      actorType: 'staff',
      actorId: townMs.id,
      at: t.clock.now(),
    });
    const res = await move(id, { to: 'referred', referredTo: '齐鲁医院' });
    expect(res.status).toBe(200);
    expect(res.body.history.map((h: { to: string }) => h.to)).toEqual(['submitted', 'reviewing', 'referred']);
    expect((await outboxFor(id)).map((i) => i.key)).toEqual([`referral:${id}:status:1`, `referral:${id}:status:2`]);
  });
});

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-fake-image-body-李小宝')]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(1000, 7)]);

describe('photos', () => {
  let id: string;
  beforeAll(async () => {
    id = (await submit()).id;
  });
  const upload = (bytes: Buffer, token = guardian.token, rid = id) =>
    t.request('POST', `/api/v1/referrals/${rid}/photos`, { token, body: { dataBase64: bytes.toString('base64') } });

  test('when a PNG is uploaded, then it is stored encrypted in GridFS and scoped staff get the same bytes back, audited', async () => {
    const up = await upload(PNG);
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ slot: 1, contentType: 'image/png', size: PNG.length });
    const chunks = await t.db.collection('referralPhotos.chunks').find().toArray();
    expect(chunks.length).toBeGreaterThan(0);
    const stored = Buffer.concat(chunks.map((c) => Buffer.from((c.data as mongo.Binary).buffer)));
    expect(stored.includes(PNG.subarray(0, 8))).toBe(false);
    expect(stored.includes(Buffer.from('李小宝'))).toBe(false);

    const res = await fetch(`${t.url}/api/admin/v1/referrals/${id}/photos/${up.body.id}`, { headers: { authorization: `Bearer ${townMs.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect(await AuditLog(t.db).countDocuments({ action: 'referral.photo_view', targetId: id })).toBe(1);
    const other = await fetch(`${t.url}/api/admin/v1/referrals/${id}/photos/${up.body.id}`, { headers: { authorization: `Bearer ${townNd.token}` } });
    expect(other.status).toBe(403);
  });

  test('when the content is not JPEG or PNG (whatever it claims), then 415 and nothing is stored', async () => {
    const before = await ReferralPhotos(t.db).countDocuments();
    const gif = await upload(Buffer.from('GIF89a-some-bytes'));
    expect(gif.status).toBe(415);
    expect(gif.body.error.code).toBe('UNSUPPORTED_PHOTO_TYPE');
    expect((await upload(Buffer.from('%PDF-1.4 pretending'))).status).toBe(415);
    expect(await ReferralPhotos(t.db).countDocuments()).toBe(before);
  });

  test('when a photo is over 2 MB, then 413', async () => {
    const big = Buffer.concat([JPEG.subarray(0, 4), Buffer.alloc(2 * 1024 * 1024, 1)]);
    const res = await upload(big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PHOTO_TOO_LARGE');
    const huge = await t.request('POST', `/api/v1/referrals/${id}/photos`, {
      token: guardian.token,
      raw: JSON.stringify({ dataBase64: 'A'.repeat(4 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
  });

  test('when another resident uploads to this case, then 404', async () => {
    const other = await childConsentResident('stranger');
    expect((await upload(JPEG, other.token)).status).toBe(404);
  });

  test('when six photos exist, then a seventh is refused with 409', async () => {
    const rid = (await submit()).id;
    const results = await Promise.all(Array.from({ length: 8 }, () => upload(JPEG, guardian.token, rid)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(6);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'TOO_MANY_PHOTOS')).toBe(true);
    expect(await ReferralPhotos(t.db).countDocuments({ referralId: new Types.ObjectId(rid) })).toBe(6);
  });
});

describe('retention and the resident data sections', () => {
  test('when a withdrawn case is older than the retention period, then the job erases its personal fields and photos and keeps the record', async () => {
    const old = (await submit()).id;
    await t.request('POST', `/api/v1/referrals/${old}/photos`, { token: guardian.token, body: { dataBase64: JPEG.toString('base64') } });
    await t.request('POST', `/api/v1/referrals/${old}/withdraw`, { token: guardian.token, body: { note: '家长说明：孩子姓名李小宝' } });
    const open = (await submit()).id;
    t.clock.advance((t.app.config.REFERRAL_RETENTION_DAYS - 1) * 86_400_000);
    expect((await runReferralRetention(t.app)).erased).toBe(0);
    t.clock.advance(2 * 86_400_000);
    guardian = await relogin('guardian'); // the old session expired meanwhile
    const recent = (await submit()).id;
    await t.request('POST', `/api/v1/referrals/${recent}/withdraw`, { token: guardian.token, body: {} });

    const result = await runReferralRetention(t.app);

    expect(result.erased).toBeGreaterThanOrEqual(1);
    const erased = await Referrals(t.db).findById(old).lean();
    expect(erased).toMatchObject({ status: 'withdrawn', villageCode: VILLAGE_A });
    expect(erased!.personalEnc).toBeUndefined();
    expect(erased!.dupIndex).toBeUndefined();
    expect(erased!.personalErasedAt).toBeInstanceOf(Date);
    expect(await ReferralPhotos(t.db).countDocuments({ referralId: new Types.ObjectId(old) })).toBe(0);
    expect(JSON.stringify(await ReferralTransitions(t.db).find({ referralId: old }).lean())).not.toContain('李小宝');
    expect((await Referrals(t.db).findById(open).lean())!.personalEnc).toBeDefined();
    expect((await Referrals(t.db).findById(recent).lean())!.personalEnc).toBeDefined();
    const view = await t.request('GET', `/api/v1/referrals/${old}`, { token: guardian.token });
    expect(view.body).toMatchObject({ status: 'withdrawn', childNameMasked: null, personalErased: true });
  });

  test('when the guardian exports and then erases their data, then referrals are in the export and lose their personal fields', async () => {
    const g = await childConsentResident('exporter');
    const { id } = await submit(g.token, { childName: '赵小米' });
    const exp = await t.request('GET', '/api/v1/me/export', { token: g.token });
    expect(exp.body.referrals).toEqual([
      expect.objectContaining({ id, childName: '赵小米', guardianPhone: '13912345678', diagnosedWhere: '淄博市妇幼保健院', status: 'submitted' }),
    ]);
    expect((await t.request('DELETE', '/api/v1/me', { token: g.token })).status).toBe(204);
    expect((await Referrals(t.db).findById(id).lean())!.personalEnc).toBeUndefined();
  });
});
