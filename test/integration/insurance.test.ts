import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import { idCardCheckChar } from '../../src/lib/idcard';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { EnrolmentKeys, Enrolments, EnrolmentTransitions } from '../../src/modules/insurance/insurance.model';
import { queueRenewalReminders } from '../../src/modules/insurance/insurance.tasks';
import { Outbox } from '../../src/notify/outbox.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_B } from '../helpers/fixtures';

let t: TestApp;
let district: { token: string; id: string };
let townMs: { token: string; id: string };
let townNd: { token: string; id: string };
let applicant: { token: string; id: string };
let productId: string;

/** A valid 18-digit number: birth `YYYYMMDD`, sequence (odd last digit = male). */
const idOf = (birth: string, seq: string) => {
  const first17 = `370303${birth}${seq}`;
  return first17 + idCardCheckChar(first17);
};
let n = 100;
const person = (over: Record<string, unknown> = {}) => {
  const seq = String(++n).padStart(3, '0').slice(-2) + '1';
  return { name: '张建国', idCard: idOf('19800315', seq), birthDate: '1980-03-15', sex: 'male', relation: '本人', planCode: 'A', ...over };
};

const PRODUCT = {
  year: 2027,
  name: '2027年计生家庭意外伤害保险',
  insurer: '中国人寿淄博分公司',
  plans: [
    { code: 'A', name: '基础保障', premiumFen: 5000, coverage: [{ item: '意外身故', amountFen: 5_000_000 }] },
    {
      code: 'B',
      name: '全面保障',
      premiumFen: 10000,
      coverage: [
        { item: '意外身故', amountFen: 10_000_000 },
        { item: '意外医疗', amountFen: 1_000_000 },
      ],
    },
  ],
  enrolFrom: '2026-11-01',
  enrolTo: '2026-12-31',
  policyStart: '2027-01-01',
  policyEnd: '2027-12-31',
  eligibility: { description: '计生家庭成员', minAge: 0, maxAge: 80 },
};

async function insuranceResident(name: string, village = VILLAGE_A) {
  const r = await residentLogin(t, name, { village, phone: '13800002222' });
  const res = await t.request('POST', '/api/v1/me/consents', { token: r.token, body: { purpose: 'insurance', policyVersion: t.app.config.POLICY_VERSION } });
  expect(res.status).toBe(201);
  return r;
}

const enrol = (token: string, insured: unknown[], phone = '13911112222') =>
  t.request('POST', '/api/v1/insurance/enrolments', { token, body: { productId, applicantPhone: phone, insured } });

async function enrolOk(token: string, insured: unknown[]) {
  const res = await enrol(token, insured);
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

const move = (id: string, body: Record<string, unknown>, token = townMs.token) =>
  t.request('POST', `/api/admin/v1/insurance/enrolments/${id}/transitions`, { token, body });

beforeAll(async () => {
  t = await startTestApp({ now: '2026-11-28T02:00:00Z' });
  await seedVillages(t);
  district = await staffLogin(t, 'district_admin', '370303');
  townMs = await staffLogin(t, 'town_admin', TOWN_MS);
  townNd = await staffLogin(t, 'town_admin', TOWN_ND);
  const created = await t.request('POST', '/api/admin/v1/insurance/products', { token: district.token, body: PRODUCT });
  expect(created.status).toBe(201);
  productId = created.body.id;
  applicant = await insuranceResident('applicant');
});
afterAll(() => t.close());

describe('products', () => {
  test('when a town admin tries to create a product, then 403', async () => {
    expect((await t.request('POST', '/api/admin/v1/insurance/products', { token: townMs.token, body: PRODUCT })).status).toBe(403);
  });

  test('when a resident lists products, then plans, prices and the open window are shown', async () => {
    const res = await t.request('GET', '/api/v1/insurance/products', { token: applicant.token });
    expect(res.body.items).toEqual([expect.objectContaining({ id: productId, enrolOpen: true, plans: PRODUCT.plans, insurer: '中国人寿淄博分公司' })]);
  });
});

describe('API document', () => {
  test('when the OpenAPI document is fetched, then the care routes are described from their schemas', async () => {
    const res = await t.request('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths);
    for (const p of ['/api/v1/referrals', '/api/v1/referrals/{id}/photos', '/api/v1/insurance/enrolments', '/api/admin/v1/insurance/products/{id}/export.xlsx'])
      expect(paths).toContain(p);
    expect(res.body.paths['/api/v1/insurance/enrolments'].post.requestBody.content['application/json'].schema).toBeDefined();
  });
});

describe('enrolment checks', () => {
  test('when the resident has not given insurance consent, then 403 and nothing is stored', async () => {
    const r = await residentLogin(t, 'noins', { village: VILLAGE_A });
    const res = await enrol(r.token, [person()]);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'CONSENT_REQUIRED', details: { purpose: 'insurance' } });
  });

  test('when ID numbers are wrong (checksum, impossible date, sex or birth date not matching), then 400 with one error per field and no keys taken', async () => {
    const keysBefore = await EnrolmentKeys(t.db).countDocuments();
    const good = idOf('19800315', '123');
    const badChecksum = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const feb30 = idOf('19900230', '123');
    const female = idOf('19751102', '124'); // even → female
    const res = await enrol(applicant.token, [
      person({ idCard: badChecksum }),
      person({ idCard: feb30, birthDate: '1990-02-28' }),
      person({ idCard: female, birthDate: '1975-11-02', sex: 'male' }),
      person({ idCard: idOf('19751102', '135'), birthDate: '1975-11-03', sex: 'male' }),
      person({ idCard: '12345' }),
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([
      { path: 'insured.0.idCard', message: '身份证号校验位不对，请逐位核对' },
      { path: 'insured.1.idCard', message: '身份证号里的出生日期不正确' },
      { path: 'insured.2.sex', message: '性别与身份证号不一致' },
      { path: 'insured.3.birthDate', message: '出生日期与身份证号不一致' },
      { path: 'insured.4.idCard', message: '身份证号应为 18 位数字，最后一位可以是 X' },
    ]);
    expect(await EnrolmentKeys(t.db).countDocuments()).toBe(keysBefore);
  });

  test('when someone is too old for the product or a plan does not exist, then the field is named', async () => {
    const res = await enrol(applicant.token, [person({ idCard: idOf('19400101', '111'), birthDate: '1940-01-01' }), person({ planCode: 'Z' })]);
    expect(res.body.error.details).toEqual([
      { path: 'insured.0.birthDate', message: '年龄不在投保范围（0–80 岁）' },
      { path: 'insured.1.planCode', message: '请选择有效的保险方案' },
    ]);
  });

  test('when no applicant phone is sent, then the phone in the profile is used; without one the field is asked for and nothing is kept', async () => {
    const withPhone = await insuranceResident('有电话');
    const res = await t.request('POST', '/api/v1/insurance/enrolments', { token: withPhone.token, body: { productId, insured: [person({ name: '有电话' })] } });
    expect(res.status).toBe(201);
    expect(res.body.applicantPhoneMasked).toBe('138****2222');

    const bare = await residentLogin(t, '没电话', { village: VILLAGE_A });
    await t.request('POST', '/api/v1/me/consents', { token: bare.token, body: { purpose: 'insurance', policyVersion: t.app.config.POLICY_VERSION } });
    const before = await Enrolments(t.app.db).countDocuments({});
    const refused = await t.request('POST', '/api/v1/insurance/enrolments', { token: bare.token, body: { productId, insured: [person({ name: '没电话' })] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'applicantPhone', message: '请填写 11 位手机号码' }]);
    expect(await Enrolments(t.app.db).countDocuments({})).toBe(before);
  });

  test('when a household enrols, then the reply is masked and no raw document holds a name, ID number or phone', async () => {
    const a = person({ name: '刘桂芝', idCard: idOf('19560708', '222'), birthDate: '1956-07-08', sex: 'female', relation: '父母', planCode: 'B' });
    const b = person({ name: '刘小明' });
    const res = await enrol(applicant.token, [a, b], '13955556666');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'submitted', totalFen: 15000, applicantPhoneMasked: '139****6666' });
    expect(res.body.insured[0]).toEqual({
      nameMasked: '刘**',
      idCardMasked: `370303********${a.idCard.slice(-4)}`,
      relation: '父母',
      planCode: 'B',
      premiumFen: 10000,
    });
    const raw = JSON.stringify([
      await t.db.collection('insuranceenrolments').findOne({ _id: new Types.ObjectId(res.body.id) }),
      await t.db
        .collection('insuranceenrolmentkeys')
        .find({ enrolmentId: new Types.ObjectId(res.body.id) })
        .toArray(),
      await t.db
        .collection('insuranceenrolmenttransitions')
        .find({ enrolmentId: new Types.ObjectId(res.body.id) })
        .toArray(),
    ]);
    for (const plain of ['刘桂芝', '刘小明', a.idCard, b.idCard, '13955556666', '19560708']) expect(raw).not.toContain(plain);
  });
});

describe('one active enrolment per person per product', () => {
  test('when someone already enrolled is enrolled again, then 409 names them masked, and the others of that try stay free', async () => {
    const taken = person({ name: '王大山' });
    await enrolOk(applicant.token, [taken]);
    const other = await insuranceResident('neighbour');
    const fresh = person({ name: '赵四' });
    const res = await enrol(other.token, [fresh, { ...taken, name: '王大山' }]);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ALREADY_ENROLLED');
    expect(res.body.error.details).toEqual([
      {
        path: 'insured.1.idCard',
        message: '此人已参保本产品，不能重复投保',
        name: '王**',
        idCard: `370303********${taken.idCard.slice(-4)}`,
        status: 'submitted',
        byYou: false,
      },
    ]);
    expect(JSON.stringify(res.body)).not.toContain(taken.idCard);
    await enrolOk(other.token, [fresh]);
  });

  test('when five people enrol the same person at the same moment, then exactly one succeeds', async () => {
    const same = person({ name: '孙同' });
    const residents = await Promise.all([1, 2, 3, 4, 5].map((i) => insuranceResident(`race${i}`)));
    const results = await Promise.all(residents.map((r) => enrol(r.token, [same])));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(Array(4).fill('ALREADY_ENROLLED'));
    expect(await EnrolmentKeys(t.db).countDocuments({ productId: new Types.ObjectId(productId), idIndex: t.app.pii.blindIndex('idcard', same.idCard) })).toBe(
      1,
    );
  });

  test('when a key was left without its enrolment by a crash, then it blocks only until it is ten minutes old', async () => {
    const p = person({ name: '孤键' });
    const idIndex = t.app.pii.blindIndex('idcard', p.idCard);
    await EnrolmentKeys(t.db).create({ productId, idIndex, enrolmentId: new Types.ObjectId(), createdAt: t.clock.now() });
    expect((await enrol(applicant.token, [p])).status).toBe(409);
    await EnrolmentKeys(t.db).updateOne({ idIndex }, { $set: { createdAt: new Date(t.clock.now().getTime() - 11 * 60_000) } });
    const { id } = await enrolOk(applicant.token, [p]);
    expect((await EnrolmentKeys(t.db).find({ idIndex }).lean()).map((k) => String(k.enrolmentId))).toEqual([id]);
  });

  test('when an enrolment is cancelled or rejected, then the person can be enrolled again', async () => {
    const p = person({ name: '周全' });
    const first = await enrolOk(applicant.token, [p]);
    expect((await enrol(applicant.token, [p])).status).toBe(409);
    const cancel = await t.request('POST', `/api/v1/insurance/enrolments/${first.id}/cancel`, { token: applicant.token, body: {} });
    expect(cancel.body.status).toBe('cancelled');
    const second = await enrolOk(applicant.token, [p]);
    expect((await move(second.id, { to: 'rejected', reason: '非计生家庭' })).status).toBe(200);
    await enrolOk(applicant.token, [p]);
  });
});

describe('visibility', () => {
  let id: string;
  beforeAll(async () => {
    id = (await enrolOk(applicant.token, [person({ name: '钱多多' })])).id;
  });

  test('when another resident asks for the enrolment, then 404', async () => {
    const other = await insuranceResident('peeker');
    expect((await t.request('GET', `/api/v1/insurance/enrolments/${id}`, { token: other.token })).status).toBe(404);
    expect((await t.request('POST', `/api/v1/insurance/enrolments/${id}/cancel`, { token: other.token, body: {} })).status).toBe(404);
  });

  test('when staff of another town ask, then 403 and their list is empty of it', async () => {
    expect((await t.request('GET', `/api/admin/v1/insurance/enrolments/${id}`, { token: townNd.token })).status).toBe(403);
    const list = await t.request('GET', '/api/admin/v1/insurance/enrolments', { token: townNd.token });
    expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
  });

  test('when scoped staff open it in full, then names and numbers are shown and the view is audited', async () => {
    const res = await t.request('GET', `/api/admin/v1/insurance/enrolments/${id}`, { token: townMs.token });
    expect(res.status).toBe(200);
    expect(res.body.insuredFull[0]).toMatchObject({ name: '钱多多', idCard: expect.stringMatching(/^370303\d{11}[\dX]$/) });
    expect(await AuditLog(t.db).countDocuments({ action: 'insurance.enrolment_view_full', targetId: id, actorId: townMs.id })).toBe(1);
  });
});

describe('workflow and notices', () => {
  const notices = (id: string) => Outbox(t.db).find({ 'source.enrolmentId': id }).sort({ key: 1 }).lean();

  test('when an enrolment is verified, paid and issued, then each step is recorded once and queues one notice', async () => {
    const { id } = await enrolOk(applicant.token, [person()]);
    expect((await move(id, { to: 'issued', policyNo: 'P1' })).status).toBe(409);
    const verified = await move(id, { to: 'verified' });
    expect(verified.status).toBe(200);
    // A move answers with the masked enrolment: names, ID numbers and phone stay masked, and no full view is logged.
    expect(verified.body).toMatchObject({ status: 'verified', applicantPhoneMasked: '139****2222' });
    expect(verified.body.insuredFull).toBeUndefined();
    expect(verified.body.applicantPhone).toBeUndefined();
    expect(JSON.stringify(verified.body)).not.toContain('张建国');
    expect(await AuditLog(t.db).countDocuments({ action: 'insurance.enrolment_view_full', targetId: id })).toBe(0);
    const noPayment = await move(id, { to: 'paid' });
    expect(noPayment.status).toBe(400);
    expect(noPayment.body.error.details[0].path).toBe('payment');
    expect((await move(id, { to: 'paid', payment: { method: 'cash', paidAt: '2026-11-28', amountFen: 5000 } })).status).toBe(200);
    expect((await t.request('POST', `/api/v1/insurance/enrolments/${id}/cancel`, { token: applicant.token, body: {} })).status).toBe(409);
    const issued = await move(id, { to: 'issued', policyNo: 'PZB2027000123' });
    expect(issued.body).toMatchObject({ status: 'issued', policyNo: 'PZB2027000123', payment: { method: 'cash', paidAt: '2026-11-28', amountFen: 5000 } });
    const items = await notices(id);
    expect(items.map((i) => i.key)).toEqual([1, 2, 3].map((s) => `insurance:${id}:status:${s}`));
    expect(items.map((i) => [i.channel, i.payload.templateKey, i.payload.residentId])).toEqual(Array(3).fill(['subscribe', 'insurance_status', applicant.id]));
  });

  test('when staff race to move the same enrolment, then one change applies and one notice is queued', async () => {
    const { id } = await enrolOk(applicant.token, [person()]);
    const results = await Promise.all([1, 2, 3, 4].map(() => move(id, { to: 'verified' })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await EnrolmentTransitions(t.db).countDocuments({ enrolmentId: id })).toBe(2);
    expect(await notices(id)).toHaveLength(1);
  });

  test('when the policy period nears its end, then one renewal reminder per issued enrolment is queued, once', async () => {
    const { id } = await enrolOk(applicant.token, [person()]);
    await move(id, { to: 'verified' });
    await move(id, { to: 'paid', payment: { method: 'bank_transfer', paidAt: '2026-11-28', amountFen: 5000 } });
    await move(id, { to: 'issued', policyNo: 'PZB1' });
    expect((await queueRenewalReminders(t.app)).queued).toBe(0);
    const saved = t.clock.now();
    t.clock.set('2027-12-05T01:00:00Z');
    const issuedCount = await Enrolments(t.db).countDocuments({ status: 'issued' });
    expect((await queueRenewalReminders(t.app)).queued).toBe(issuedCount);
    expect((await queueRenewalReminders(t.app)).queued).toBe(0);
    const reminders = await Outbox(t.db).find({ 'source.enrolmentId': id, 'payload.templateKey': 'insurance_renewal' }).lean();
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.payload).toMatchObject({ residentId: applicant.id, data: { date2: '2027-12-31' } });
    t.clock.set(saved);
  });
});

async function download(token: string) {
  const res = await fetch(`${t.url}/api/admin/v1/insurance/products/${productId}/export.xlsx`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('spreadsheetml');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
  const ws = wb.worksheets[0]!;
  const rows: unknown[][] = [];
  ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

describe('insurer export', () => {
  test('when the district admin exports, then every active insured person is a row with the full ID number, and the export is audited with the count', async () => {
    const p = person({ name: '导出甲' });
    await enrolOk(applicant.token, [p]);
    const rows = await download(district.token);
    expect(rows[0]).toEqual([
      '序号',
      '被保险人姓名',
      '证件类型',
      '证件号码',
      '性别',
      '出生日期',
      '与投保人关系',
      '保险方案',
      '保费（元）',
      '投保人联系电话',
      '所属村居',
      '状态',
      '缴费方式',
      '缴费日期',
      '保单号',
    ]);
    const active = await Enrolments(t.db)
      .find({ productId, status: { $in: ['submitted', 'verified', 'paid', 'issued'] } })
      .lean();
    const expected = active.reduce((s, e) => s + e.insured.length, 0);
    expect(rows).toHaveLength(expected + 1);
    const mine = rows.find((r) => r[1] === '导出甲')!;
    expect(mine.slice(2, 12)).toEqual(['居民身份证', p.idCard, '男', '1980-03-15', '本人', '基础保障', 50, '13911112222', '东村', '已提交']);
    const audits = await AuditLog(t.db).find({ action: 'insurance.export_xlsx', actorId: district.id }).lean();
    expect(audits).toHaveLength(1);
    expect(audits[0]!.details).toMatchObject({ rowCount: expected, fullIdNumbers: true });
  });

  test('when a town admin exports, then ID numbers and phones are masked, only their area is included, and it is audited', async () => {
    const west = await insuranceResident('westvillage', VILLAGE_B);
    await enrolOk(west.token, [person({ name: '西村人' })]);
    const nd = await insuranceResident('southvillage', '370303-Z-ND-vc');
    await enrolOk(nd.token, [person({ name: '南村人' })]);
    const rows = (await download(townMs.token)).slice(1);
    expect(rows.some((r) => r[1] === '西村人')).toBe(true);
    expect(rows.some((r) => r[1] === '南村人')).toBe(false);
    expect(rows.every((r) => /^370303\*{8}[\dX]{4}$/.test(String(r[3])) && /^\d{3}\*{4}\d{4}$/.test(String(r[9])))).toBe(true);
    const audit = await AuditLog(t.db).findOne({ action: 'insurance.export_xlsx', actorId: townMs.id }).lean();
    expect(audit!.details).toMatchObject({ rowCount: rows.length, fullIdNumbers: false });
  });
});

describe('resident data sections', () => {
  test('when the applicant exports and erases their data, then enrolments are included, then stripped and their keys released', async () => {
    const r = await insuranceResident('eraser');
    const p = person({ name: '擦除人' });
    const { id } = await enrolOk(r.token, [p]);
    const exp = await t.request('GET', '/api/v1/me/export', { token: r.token });
    expect(exp.body.insurance).toEqual([expect.objectContaining({ id, insured: [expect.objectContaining({ name: '擦除人', idCard: p.idCard })] })]);
    expect((await t.request('DELETE', '/api/v1/me', { token: r.token })).status).toBe(204);
    const doc = await Enrolments(t.db).findById(id).lean();
    expect(doc!.insured[0]!.nameEnc).toBeUndefined();
    expect(doc!.applicantPhoneEnc).toBeUndefined();
    expect(await EnrolmentKeys(t.db).countDocuments({ enrolmentId: id })).toBe(0);
  });
});
