import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import { idCardCheckChar } from '../../src/lib/idcard';
import { DEFAULT_CODE_BOOKS } from '../../src/modules/screenings/screenings.codes';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, TOWN_MS, VILLAGE_A } from '../helpers/fixtures';
import { createContest, seedQuestionBank } from '../helpers/quiz';
import { publishedTalk } from '../helpers/talks';

/**
 * Walks every staff route of the OpenAPI document with data set up, and holds each reply to one rule: a reply that
 * carries a resident's personal data in the clear (names, phones, ID numbers, a child's diagnosis) was audited by
 * the request that produced it. Routes added later are walked too, because the list comes from the document.
 */

const PLANTED = {
  residentName: '欧阳秀英',
  residentPhone: '13957310001',
  childName: '司马小宝',
  guardianPhone: '13957310002',
  diagnosedWhere: '淄博市第一人民医院唇腭裂门诊',
  otherConditions: '伴有先天性心脏病待查',
  insuredName: '诸葛建国',
  applicantPhone: '13957310003',
  nomineeName: '慕容雪梅',
  nomineePhone: '13957310004',
  idCard: (() => {
    const first17 = '37030319800315123';
    return first17 + idCardCheckChar(first17);
  })(),
};
const PLANTED_VALUES = Object.values(PLANTED);

let t: TestApp;
let admin: { token: string; id: string };
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp({ now: '2026-11-28T02:00:00Z' });
  await seedVillages(t);
  await seedQuestionBank(t.app);
  admin = await staffLogin(t, 'district_admin', '370303');
  const resident = await residentLogin(t, 'walk', { village: VILLAGE_A, phone: PLANTED.residentPhone, realName: PLANTED.residentName });
  ids.residentId = resident.id;
  for (const purpose of ['child-data', 'insurance']) {
    const c = await t.request('POST', '/api/v1/me/consents', {
      token: resident.token,
      body: { purpose, policyVersion: t.app.config.POLICY_VERSION, ...(purpose === 'child-data' ? { guardianRelation: '母亲' } : {}) },
    });
    expect(c.status).toBe(201);
  }

  const referral = await t.request('POST', '/api/v1/referrals', {
    token: resident.token,
    body: {
      childName: PLANTED.childName,
      childSex: 'male',
      childBirthDate: '2026-07-10',
      condition: 'cleft_lip',
      diagnosed: true,
      diagnosedWhere: PLANTED.diagnosedWhere,
      otherConditions: PLANTED.otherConditions,
      household: ['dibao'],
      guardianRelation: '母亲',
      guardianPhone: PLANTED.guardianPhone,
      villageCode: VILLAGE_A,
    },
  });
  expect(referral.status).toBe(201);
  ids.referralId = referral.body.id;
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(64)]);
  const photo = await t.request('POST', `/api/v1/referrals/${ids.referralId}/photos`, { token: resident.token, body: { dataBase64: png.toString('base64') } });
  expect(photo.status).toBe(201);
  ids.photoId = photo.body.id;

  const product = await t.request('POST', '/api/admin/v1/insurance/products', {
    token: admin.token,
    body: {
      year: 2027,
      name: '2027年计生家庭意外伤害保险',
      insurer: '中国人寿淄博分公司',
      plans: [{ code: 'A', name: '基础保障', premiumFen: 5000, coverage: [{ item: '意外身故', amountFen: 5_000_000 }] }],
      enrolFrom: '2026-11-01',
      enrolTo: '2026-12-31',
      policyStart: '2027-01-01',
      policyEnd: '2027-12-31',
      eligibility: { description: '计生家庭成员', minAge: 0, maxAge: 80 },
    },
  });
  expect(product.status).toBe(201);
  ids.productId = product.body.id;
  const enrolment = await t.request('POST', '/api/v1/insurance/enrolments', {
    token: resident.token,
    body: {
      productId: ids.productId,
      applicantPhone: PLANTED.applicantPhone,
      insured: [{ name: PLANTED.insuredName, idCard: PLANTED.idCard, birthDate: '1980-03-15', sex: 'male', relation: '本人', planCode: 'A' }],
    },
  });
  expect(enrolment.status).toBe(201);
  ids.enrolmentId = enrolment.body.id;

  const talk = await publishedTalk(t, admin.token, { areaCode: TOWN_MS });
  ids.talkId = talk.id;
  const reg = await t.request('POST', `/api/v1/talks/${talk.id}/registrations`, {
    token: resident.token,
    headers: { 'idempotency-key': 'walk-registration-1' },
    body: { seats: 1 },
  });
  expect(reg.status).toBe(201);
  ids.registrationId = reg.body.registrationId;

  ids.contestId = await createContest(t, admin.token);
  const attempt = await t.request('POST', `/api/v1/quiz/contests/${ids.contestId}/attempts`, { token: resident.token });
  expect(attempt.status).toBe(201);
  const answers = attempt.body.questions.map((q: { id: string }) => ({ questionId: q.id, choice: ['A'] }));
  expect((await t.request('POST', `/api/v1/quiz/attempts/${attempt.body.id}/submit`, { token: resident.token, body: { answers } })).status).toBe(200);
  const questions = await t.request('GET', '/api/admin/v1/quiz/questions?limit=1', { token: admin.token });
  ids.questionId = questions.body.items[0].id;

  const campaign = await t.request('POST', '/api/admin/v1/campaigns', {
    token: admin.token,
    body: { title: '冬季防一氧化碳中毒', text: '取暖注意通风', targets: { all: true }, schedule: { kind: 'once', at: '2026-12-01T02:00:00Z' } },
  });
  expect(campaign.status).toBe(201);
  ids.campaignId = campaign.body.id;
  const expert = await t.request('POST', '/api/admin/v1/experts', {
    token: admin.token,
    body: { name: '赵医生', hospital: '张店区妇幼保健院', title: '主任医师', specialties: ['儿童保健'] },
  });
  ids.expertId = expert.body.id ?? String(new Types.ObjectId());

  // Modules that may or may not be present: set up their personal data when the document lists their routes.
  const paths = Object.keys((await t.request('GET', '/api/openapi.json')).body.paths as Record<string, unknown>);
  if (paths.includes('/api/admin/v1/selections')) {
    const day = (d: number) => new Date(t.clock.now().getTime() + d * 86_400_000).toISOString();
    const round = await t.request('POST', '/api/admin/v1/selections', {
      token: admin.token,
      body: {
        kind: 'happy_family',
        title: '2026年马尚街道幸福家庭评选',
        rules: '每户一票，事迹真实',
        areaCode: TOWN_MS,
        winners: 2,
        votesPerDay: 3,
        nominateFrom: day(-1),
        nominateTo: day(2),
        voteFrom: day(2),
        voteTo: day(4),
      },
    });
    expect(round.status).toBe(201);
    ids.selectionId = round.body.id;
    expect((await t.request('POST', `/api/admin/v1/selections/${ids.selectionId}/status`, { token: admin.token, body: { to: 'nominating' } })).status).toBe(
      200,
    );
    // A pending nomination: its name and phone are private until the nominee consents and the town approves.
    const nomination = await t.request('POST', `/api/admin/v1/selections/${ids.selectionId}/nominations`, {
      token: admin.token,
      body: { subject: 'person', name: PLANTED.nomineeName, phone: PLANTED.nomineePhone, villageCode: VILLAGE_A, story: '照顾瘫痪婆婆十余年，邻里称赞。' },
    });
    expect(nomination.status).toBe(201);
    ids.nominationId = nomination.body.id;
  }
  if (paths.includes('/api/admin/v1/screenings/cases')) {
    // A screening she came to and consented to, with an abnormal result: a follow-up case names her and her phone.
    const screening = await publishedTalk(t, admin.token, { kind: 'screening', title: '两癌筛查', areaCode: TOWN_MS }, 0.5);
    ids.screeningTalkId = screening.id;
    const reg = await t.request('POST', `/api/v1/talks/${screening.id}/registrations`, {
      token: resident.token,
      headers: { 'idempotency-key': 'walk-screening-registration' },
      body: { seats: 1 },
    });
    expect(reg.status).toBe(201);
    expect((await t.request('PUT', `/api/v1/screenings/${screening.id}/consent`, { token: resident.token, body: { given: true } })).status).toBe(200);
    const came = { registrationIds: [reg.body.registrationId] };
    expect((await t.request('POST', `/api/admin/v1/talks/${screening.id}/attendance`, { token: admin.token, body: came })).status).toBe(200);
    const entered = await t.request('PUT', `/api/admin/v1/screenings/talks/${screening.id}/participants/${resident.id}/results`, {
      token: admin.token,
      body: { programme: 'cervical', items: [{ test: 'TCT', code: 'HSIL' }] },
    });
    expect(entered.status).toBe(200);
    ids.screeningResultId = entered.body.id;
    ids.screeningCaseId = entered.body.caseId;
    ids.programme = 'cervical';
  }
  if (paths.includes('/api/v1/consult/questions')) {
    // A question whose resident asked for a call back: the name and phone are the expert's to see, audited.
    const asked = await t.request('POST', '/api/v1/consult/questions', {
      token: resident.token,
      body: { topic: 'pregnancy', text: `孕晚期脚肿，${PLANTED.otherConditions}`, callBack: { name: PLANTED.residentName, phone: PLANTED.residentPhone } },
    });
    expect(asked.status).toBe(201);
    ids.consultQuestionId = asked.body.id;
  }
  if (paths.includes('/api/v1/requests')) {
    const raised = await t.request('POST', '/api/v1/requests', {
      token: resident.token,
      body: { kind: 'hardship', text: `${PLANTED.residentName}家生活困难：${PLANTED.diagnosedWhere}复查费用无力承担` },
    });
    expect(raised.status).toBe(201);
    ids.requestId = raised.body.id;
  }
}, 120_000);
afterAll(() => t.close());

/** The id a path parameter stands for, from the path segment before it (`/referrals/{id}` → the referral). */
function paramValue(path: string, name: string): string {
  if (path.includes('/consult/questions/{id}') && name === 'id') return ids.consultQuestionId ?? String(new Types.ObjectId());
  const segments = path.split('/');
  const before = segments[segments.indexOf(`{${name}}`) - 1] ?? '';
  if (path.includes('/screenings/')) {
    const screening: Record<string, string | undefined> = {
      talks: ids.screeningTalkId,
      participants: ids.residentId,
      cases: ids.screeningCaseId,
      results: ids.screeningResultId,
    };
    if (screening[before]) return screening[before]!;
  }
  const bySegment: Record<string, string | undefined> = {
    referrals: ids.referralId,
    photos: ids.photoId,
    enrolments: ids.enrolmentId,
    products: ids.productId,
    residents: ids.residentId,
    talks: ids.talkId,
    registrations: ids.registrationId,
    contests: ids.contestId,
    questions: ids.questionId,
    campaigns: ids.campaignId,
    experts: ids.expertId,
    feedback: ids.residentId,
    keywords: '健康',
    selections: ids.selectionId,
    nominations: ids.nominationId,
    candidates: ids.nominationId,
    winners: ids.nominationId,
    requests: ids.requestId,
  };
  return bySegment[before] ?? ids[name] ?? String(new Types.ObjectId());
}

type JsonSchema = {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  pattern?: string;
  minimum?: number;
  format?: string;
  default?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
};

/** A small value that satisfies a schema as far as its shape goes (bodies of routes this test has no sample for). */
function sample(s: JsonSchema | undefined, doc: { components?: { schemas?: Record<string, JsonSchema> } }): unknown {
  if (!s) return {};
  if (s.$ref) return sample(doc.components?.schemas?.[s.$ref.split('/').pop()!], doc);
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return sample(alt[0], doc);
  switch (s.type) {
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k) => [k, sample(s.properties?.[k], doc)]));
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items, doc));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      if (s.pattern === '^[0-9a-f]{24}$') return String(new Types.ObjectId());
      if (s.format === 'date-time') return t.clock.now().toISOString();
      return '测试';
    default:
      return {};
  }
}

/** Bodies for the routes that move cases and change data, so the walk exercises them for real. */
const BODIES: Record<string, () => unknown> = {
  'POST /api/admin/v1/referrals/{id}/transitions': () => ({ to: 'reviewing', note: '已电话联系' }),
  'POST /api/admin/v1/requests/{id}/transitions': () => ({ to: 'in_progress', note: '已上门了解' }),
  'POST /api/admin/v1/insurance/enrolments/{id}/transitions': () => ({ to: 'verified' }),
  'POST /api/admin/v1/talks/{id}/attendance': () => ({ registrationIds: [ids.registrationId] }),
  'POST /api/admin/v1/campaigns/{id}/reject': () => ({ reason: '请补充时间' }),
  'POST /api/admin/v1/bot/bind-codes': () => ({ areaCode: VILLAGE_A }),
  'POST /api/admin/v1/staff': () => ({
    username: `walk${crypto.randomInt(1e6)}`,
    password: 'correct-horse-battery',
    role: 'village_worker',
    areaCode: VILLAGE_A,
  }),
  'POST /api/admin/v1/areas/import': () => ({ format: 'csv', content: 'name,parentCode,code\n北村,370303-JD-MS,\n' }),
  'PUT /api/admin/v1/screenings/codes/{programme}': () => ({ tests: DEFAULT_CODE_BOOKS.cervical }),
  'PUT /api/admin/v1/screenings/talks/{talkId}/participants/{residentId}/results': () => ({
    programme: 'cervical',
    items: [{ test: 'TCT', code: 'ASC-US' }],
    remark: '建议复查',
  }),
  'POST /api/admin/v1/screenings/cases/{id}/transitions': () => ({ to: 'contacted', note: '已电话联系' }),
  'POST /api/admin/v1/screenings/cases/{id}/contacts': () => ({ kind: 'phone', nextStep: 'recheck', note: '约好复查' }),
  'POST /api/admin/v1/screenings/contacts': () => ({ residentId: ids.residentId, kind: 'home_visit', topic: 'fertility_guidance', nextStep: 'none' }),
};

/** Query values by name for required query parameters. */
const QUERY: Record<string, string> = { areaCode: TOWN_MS, area: TOWN_MS, year: '2026', format: 'json', full: 'true', villageCode: VILLAGE_A };

/** Plaintext personal values in a reply: JSON and CSV as text, XLSX by its cells. */
async function plaintextIn(res: Response): Promise<string[]> {
  const type = res.headers.get('content-type') ?? '';
  const bytes = Buffer.from(await res.arrayBuffer());
  let text = '';
  if (type.includes('spreadsheetml')) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => (text += ` ${String(c.text)}`))));
  } else if (!type.startsWith('image/')) text = bytes.toString('utf8');
  return PLANTED_VALUES.filter((v) => text.includes(v));
}

interface Checked {
  route: string;
  status: number;
  plaintext: string[];
  audited: boolean;
}

test('when any staff route replies with personal data in the clear, then that request wrote an audit entry', async () => {
  const doc = (await t.request('GET', '/api/openapi.json')).body as {
    paths: Record<
      string,
      Record<
        string,
        {
          security?: Array<Record<string, unknown>>;
          parameters?: Array<{ in: string; name: string; required?: boolean; schema?: JsonSchema }>;
          requestBody?: { content: Record<string, { schema: JsonSchema }> };
        }
      >
    >;
    components?: { schemas?: Record<string, JsonSchema> };
  };
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op.security?.some((s) => 'staffToken' in s))
      .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
  // Reads first, then changes, deletions, and logout (it ends the walker's session) last, so every route finds
  // the data it needs.
  const rank = (m: string, path: string) => (path.endsWith('/auth/logout') ? 3 : m === 'GET' ? 0 : m === 'DELETE' ? 2 : 1);
  routes.sort((a, b) => rank(a.method, a.path) - rank(b.method, b.path));

  const checked: Checked[] = [];
  for (const { path, method, op } of routes) {
    const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => paramValue(path, name));
    const query = new URLSearchParams();
    for (const p of op.parameters ?? []) {
      const known = QUERY[p.name] !== undefined && (!p.schema?.enum || p.schema.enum.includes(QUERY[p.name])) ? QUERY[p.name] : undefined;
      if (p.in === 'query' && (p.required || known)) query.set(p.name, known ?? String(sample(p.schema, doc)));
    }
    const key = `${method} ${path}`;
    const bodySchema = op.requestBody?.content['application/json']?.schema;
    const body = BODIES[key]?.() ?? (bodySchema ? sample(bodySchema, doc) : undefined);
    const requestId = `walk-${crypto.randomBytes(8).toString('hex')}`;
    const headers: Record<string, string> = { authorization: `Bearer ${admin.token}`, 'x-request-id': requestId, 'idempotency-key': requestId };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${t.url}${url}${query.size ? `?${query}` : ''}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    expect(res.status).toBeLessThan(500);
    const plaintext = await plaintextIn(res);
    const audited = (await AuditLog(t.db).countDocuments({ requestId })) > 0;
    checked.push({ route: key, status: res.status, plaintext, audited });
  }
  if (process.env.PRINT_WALK)
    console.log(checked.map((c) => `${c.status} ${c.route}${c.plaintext.length ? ` — clear: ${c.plaintext.length}, audited: ${c.audited}` : ''}`).join('\n'));

  expect(checked.filter((c) => c.plaintext.length && !c.audited)).toEqual([]);
  // The walk reached the data: the audited full views did show it, and the case moves succeeded.
  const shown = (route: string) => checked.find((c) => c.route === route);
  expect(shown('GET /api/admin/v1/referrals/{id}')).toMatchObject({
    status: 200,
    audited: true,
    plaintext: expect.arrayContaining([PLANTED.childName, PLANTED.diagnosedWhere]),
  });
  expect(shown('GET /api/admin/v1/insurance/enrolments/{id}')).toMatchObject({
    status: 200,
    audited: true,
    plaintext: expect.arrayContaining([PLANTED.insuredName, PLANTED.idCard]),
  });
  expect(shown('GET /api/admin/v1/residents/{id}')).toMatchObject({ status: 200, audited: true, plaintext: expect.arrayContaining([PLANTED.residentPhone]) });
  expect(shown('POST /api/admin/v1/referrals/{id}/transitions')).toMatchObject({ status: 200 });
  expect(shown('GET /api/admin/v1/requests/{id}')).toMatchObject({ status: 200, audited: true, plaintext: expect.arrayContaining([PLANTED.residentName]) });
  expect(shown('POST /api/admin/v1/requests/{id}/transitions')).toMatchObject({ status: 200 });
  expect(shown('GET /api/admin/v1/consult/questions/{id}')).toMatchObject({
    status: 200,
    audited: true,
    plaintext: expect.arrayContaining([PLANTED.residentPhone, PLANTED.otherConditions]),
  });
  expect(shown('POST /api/admin/v1/insurance/enrolments/{id}/transitions')).toMatchObject({ status: 200 });
  if (ids.screeningCaseId) {
    expect(shown('GET /api/admin/v1/screenings/cases/{id}')).toMatchObject({
      status: 200,
      audited: true,
      plaintext: expect.arrayContaining([PLANTED.residentName, PLANTED.residentPhone]),
    });
    expect(shown('GET /api/admin/v1/screenings/results/{id}')).toMatchObject({ status: 200, audited: true });
    expect(shown('PUT /api/admin/v1/screenings/talks/{talkId}/participants/{residentId}/results')).toMatchObject({ status: 200 });
    expect(shown('POST /api/admin/v1/screenings/cases/{id}/contacts')).toMatchObject({ status: 201 });
  }
  expect(checked.length).toBeGreaterThan(40);
}, 300_000);
