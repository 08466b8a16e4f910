import { checkIdCard as serverCheck, idCardCheckChar } from '../../src/lib/idcard';
import { checkIdCard, idCardHint } from '../../miniprogram/utils/idcard';
import { consent, loginOk, errorReply, me } from './helpers/fixtures';
import { launchApp } from './helpers/app';
import { exists, fire, openPage, rootClasses, texts, type RenderedPage } from './helpers/page';
import { NOTICE_TEMPLATES, useWxMock, WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

const valid = (first17: string) => first17 + idCardCheckChar(first17);
const MALE_1980 = valid('37030319800315123'); // 17th digit odd → male
const FEMALE_1956 = valid('37030319560708222');

const PRODUCT = {
  id: 'p-2027',
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
  enrolOpen: true,
};
const ENROLMENT = {
  id: 'e-1',
  productName: PRODUCT.name,
  status: 'verified',
  statusLabel: '已审核',
  totalFen: 15000,
  policyNo: null,
  reason: null,
  canCancel: true,
  insured: [{ nameMasked: '刘**', idCardMasked: '370303********2225', relation: '父母', planCode: 'B', premiumFen: 10000 }],
};

async function openInsurance(
  consents: unknown[] = [consent(), consent('insurance')],
  prepare: (m: WxMock) => void = () => undefined,
  items: unknown[] = [],
  profile: Record<string, unknown> = {},
) {
  const mock = wxMock();
  mock.on('POST', '/api/v1/auth/login', loginOk('ins-token', { consents }));
  mock.on('GET', '/api/v1/me', { statusCode: 200, data: me({ consents, ...profile }) });
  mock.on('GET', '/api/v1/insurance/products', { statusCode: 200, data: { items: [PRODUCT] } });
  mock.on('GET', '/api/v1/insurance/enrolments', { statusCode: 200, data: { items } });
  prepare(mock);
  await launchApp(mock);
  const page = await openPage(mock, 'insurance');
  return { mock, page };
}

async function fillMember(mock: WxMock, page: RenderedPage, i: number, m: { name: string; idCard: string; sex: 'male' | 'female'; birthDate: string }) {
  await fire(mock, page, page.querySelectorAll('.member-name')[i]!, 'input', { value: m.name });
  await fire(mock, page, page.querySelectorAll('.member-idcard')[i]!, 'input', { value: m.idCard });
  await fire(mock, page, page.querySelectorAll(m.sex === 'male' ? '.sex-male' : '.sex-female')[i]!);
  await fire(mock, page, page.querySelectorAll('.birth-picker')[i]!, 'change', { value: m.birthDate });
}

describe('mini-program ID-card check', () => {
  test.each([
    MALE_1980,
    FEMALE_1956,
    '11010519491231002X',
    `${MALE_1980.slice(0, 17)}${MALE_1980[17] === '1' ? '2' : '1'}`,
    '370303199002301234',
    '990303198003151231',
    '3703031980',
  ])('when %s is checked, then the mini-program agrees with the server', (id) => {
    expect(checkIdCard(id)).toEqual(serverCheck(id));
  });

  test('when typing, then short input gives no error, a bad region or letter does, and 18 digits are checked', () => {
    expect(idCardHint('3703')).toEqual({ error: '', ok: false });
    expect(idCardHint('99')).toEqual({ error: '身份证号开头的地区码不正确', ok: false });
    expect(idCardHint('3703a')).toEqual({ error: '身份证号只能是数字，最后一位可以是 X', ok: false });
    expect(idCardHint(MALE_1980)).toEqual({ error: '', ok: true, info: { birthDate: '1980-03-15', sex: 'male' } });
  });
});

describe('insurance page', () => {
  test('when it opens, then the product, plans with prices in 元 and my enrolments are shown', async () => {
    const { page } = await openInsurance(undefined, undefined, [ENROLMENT]);
    expect(texts(page, '.product-name')).toEqual(['2027年计生家庭意外伤害保险']);
    expect(texts(page, '.price')).toEqual(['每人每年 50元', '每人每年 100元']);
    expect(texts(page, '.coverage')).toEqual(['意外身故：最高 5万元', '意外身故：最高 10万元', '意外医疗：最高 1万元']);
    expect(texts(page, '.enrolment .status')).toEqual(['已审核']);
    expect(texts(page, '.insured')).toEqual(['刘**（父母）370303********2225']);
    expect(texts(page, '.total')).toEqual(['保费合计：150元']);
  });

  test('when elderly mode is on, then the root has the elder class', async () => {
    const { page } = await openInsurance(undefined, (m) => m.storage.set('elderlyMode', true));
    expect(rootClasses(page)).toContain('elder');
  });

  test('when insurance consent is missing, then 同意 posts it and opens the form', async () => {
    const { mock, page } = await openInsurance([consent()], (m) =>
      m.on('POST', '/api/v1/me/consents', { statusCode: 201, data: { consents: [consent(), consent('insurance')] } }),
    );
    expect(exists(page, '.start')).toBe(false);
    await fire(mock, page, '.agree');
    expect(mock.requestsTo('POST', '/api/v1/me/consents')[0]?.data).toEqual({ purpose: 'insurance', policyVersion: '2026-11' });
    expect(exists(page, '.enrol-form')).toBe(true);
  });

  test('when an ID number is typed, then its problem shows as it is typed and clears when it is right', async () => {
    const { mock, page } = await openInsurance();
    await fire(mock, page, '.start');
    const wrong = MALE_1980.slice(0, 17) + (MALE_1980[17] === '1' ? '2' : '1');
    await fire(mock, page, '.member-idcard', 'input', { value: wrong });
    expect(texts(page, '.idcard-error')).toEqual(['身份证号校验位不对，请逐位核对']);
    await fire(mock, page, '.member-idcard', 'input', { value: MALE_1980.slice(0, 10) });
    expect(exists(page, '.idcard-error')).toBe(false);
    await fire(mock, page, '.member-idcard', 'input', { value: MALE_1980 });
    expect(texts(page, '.idcard-ok')).toEqual(['身份证号格式正确，性别和出生日期已自动填好']);
  });

  test('when sex or birth date do not match the ID number, then the form says so beside the field and sends nothing', async () => {
    const { mock, page } = await openInsurance();
    await fire(mock, page, '.start');
    await fillMember(mock, page, 0, { name: '张建国', idCard: MALE_1980, sex: 'female', birthDate: '1980-03-16' });
    await fire(mock, page, '.submit');
    expect(texts(page, '.sex-error')).toEqual(['性别与身份证号不一致']);
    expect(texts(page, '.birth-error')).toEqual(['出生日期与身份证号不一致']);
    expect(mock.requestsTo('POST', '/api/v1/insurance/enrolments')).toHaveLength(0);
  });

  test('when two family members are entered correctly, then one enrolment is posted with both and a key', async () => {
    const { mock, page } = await openInsurance(undefined, (m) => m.on('POST', '/api/v1/insurance/enrolments', { statusCode: 201, data: ENROLMENT }));
    await fire(mock, page, '.start');
    await fillMember(mock, page, 0, { name: '张建国', idCard: MALE_1980, sex: 'male', birthDate: '1980-03-15' });
    await fire(mock, page, '.add-member');
    await fillMember(mock, page, 1, { name: '刘桂芝', idCard: FEMALE_1956, sex: 'female', birthDate: '1956-07-08' });
    await fire(mock, page, page.querySelectorAll('.relation')[5 + 3]!); // second person (5 choices each): 父母
    await fire(mock, page, page.querySelectorAll('.plan-choice')[2 + 1]!); // second person: 全面保障
    await fire(mock, page, '.other-phone');
    await fire(mock, page, '.applicant-phone', 'input', { value: '139 1111 2222' });
    mock.on('GET', '/api/v1/insurance/enrolments', { statusCode: 200, data: { items: [ENROLMENT] } });
    await fire(mock, page, '.submit');

    const [sent] = mock.requestsTo('POST', '/api/v1/insurance/enrolments');
    expect(sent?.data).toEqual({
      productId: 'p-2027',
      applicantPhone: '13911112222',
      insured: [
        { name: '张建国', idCard: MALE_1980, birthDate: '1980-03-15', sex: 'male', relation: '本人', planCode: 'A' },
        { name: '刘桂芝', idCard: FEMALE_1956, birthDate: '1956-07-08', sex: 'female', relation: '父母', planCode: 'B' },
      ],
    });
    expect(sent?.header['Idempotency-Key']).toBeTruthy();
    expect(exists(page, '.enrol-form')).toBe(false);
    expect(texts(page, '.enrolment .status')).toEqual(['已审核']);
  });

  test('when the server says a person is already enrolled, then the message shows under that person', async () => {
    const conflict = errorReply(409, 'ALREADY_ENROLLED', '张**已参保本产品，不能重复投保');
    (conflict as { data: { error: Record<string, unknown> } }).data.error.details = [
      { path: 'insured.0.idCard', message: '此人已参保本产品，不能重复投保', name: '张**' },
    ];
    const { mock, page } = await openInsurance(undefined, (m) => m.on('POST', '/api/v1/insurance/enrolments', conflict));
    await fire(mock, page, '.start');
    await fillMember(mock, page, 0, { name: '张建国', idCard: MALE_1980, sex: 'male', birthDate: '1980-03-15' });
    await fire(mock, page, '.submit');
    expect(texts(page, '.idcard-error')).toEqual(['此人已参保本产品，不能重复投保']);
    expect(mock.lastToast()?.title).toBe('此人已参保本产品，不能重复投保');
  });

  test('when 取消登记 is confirmed, then the cancellation is posted and the list reloads', async () => {
    const { mock, page } = await openInsurance(
      undefined,
      (m) => m.on('POST', '/api/v1/insurance/enrolments/e-1/cancel', { statusCode: 200, data: { ...ENROLMENT, status: 'cancelled' } }),
      [ENROLMENT],
    );
    mock.on('GET', '/api/v1/insurance/enrolments', {
      statusCode: 200,
      data: { items: [{ ...ENROLMENT, status: 'cancelled', statusLabel: '已取消', canCancel: false }] },
    });
    await fire(mock, page, '.cancel');
    expect(mock.requestsTo('POST', '/api/v1/insurance/enrolments/e-1/cancel')).toHaveLength(1);
    expect(texts(page, '.enrolment .status')).toEqual(['已取消']);
  });

  test('when a valid ID number is typed, then sex and birth date are filled from it and the profile phone is used, so name and ID are all that is typed', async () => {
    const { mock, page } = await openInsurance(undefined, (m) => m.on('POST', '/api/v1/insurance/enrolments', { statusCode: 201, data: ENROLMENT }));
    await fire(mock, page, '.start');
    expect(texts(page, '.my-phone-text')).toEqual(['联系电话：138****5678（“我的”里的手机号）']);
    expect(exists(page, '.applicant-phone')).toBe(false);
    await fire(mock, page, '.member-name', 'input', { value: '刘桂芝' });
    await fire(mock, page, '.member-idcard', 'input', { value: FEMALE_1956 });
    expect(page.data.members[0]).toMatchObject({ sex: 'female', birthDate: '1956-07-08' });
    expect(page.querySelector('.sex-female')!.dom.getAttribute('class')).toContain('on');
    expect(texts(page, '.birth-picker')).toEqual(['1956-07-08']);
    await fire(mock, page, '.submit');
    const [sent] = mock.requestsTo('POST', '/api/v1/insurance/enrolments');
    expect(sent?.data).toEqual({
      productId: 'p-2027',
      insured: [{ name: '刘桂芝', idCard: FEMALE_1956, birthDate: '1956-07-08', sex: 'female', relation: '本人', planCode: 'A' }],
    });
  });

  test('when no date is chosen yet, then the picker opens near a likely birth year for the relation, inside the product ages', async () => {
    const { mock, page } = await openInsurance(undefined, undefined, [], { birthYear: 1956 });
    await fire(mock, page, '.start');
    const year = Number(new Date().toISOString().slice(0, 4));
    expect(page.data.members[0].pickerStart).toBe('1956-01-01');
    await fire(mock, page, '.add-member');
    expect(page.data.members[1].pickerStart).toBe('1956-01-01'); // 配偶
    await fire(mock, page, page.querySelectorAll('.relation')[5 + 2]!); // 子女
    expect(page.data.members[1].pickerStart).toBe('1981-01-01');
    await fire(mock, page, page.querySelectorAll('.relation')[5 + 3]!); // 父母: 1931, older than the product's 80 years
    expect(page.data.members[1].pickerStart).toBe(`${year - 80}-01-01`);
    expect(texts(page, '.birth-picker')).toEqual(['点这里选出生日期', '点这里选出生日期']);
  });

  test('when 提交登记 is tapped, then the insurance notices are asked for first with the template ids the server gave', async () => {
    const { mock, page } = await openInsurance(undefined, (m) => {
      m.on('POST', '/api/v1/insurance/enrolments', { statusCode: 201, data: ENROLMENT });
      m.on('POST', '/api/v1/me/subscriptions', { statusCode: 201, data: { credits: { insurance_status: 1 } } });
    });
    const asked: Array<{ tmplIds: string[]; requestsBefore: number }> = [];
    (mock.wx as Record<string, unknown>).requestSubscribeMessage = (opts: { tmplIds: string[]; success?: (r: unknown) => void }) => {
      asked.push({ tmplIds: opts.tmplIds, requestsBefore: mock.requests.length });
      setTimeout(() => opts.success?.({ errMsg: 'requestSubscribeMessage:ok', [opts.tmplIds[0]!]: 'accept', [opts.tmplIds[1]!]: 'reject' }), 0);
    };
    await fire(mock, page, '.start');
    await fire(mock, page, '.member-name', 'input', { value: '刘桂芝' });
    await fire(mock, page, '.member-idcard', 'input', { value: FEMALE_1956 });
    const before = mock.requests.length;
    await fire(mock, page, '.submit');
    const ids = NOTICE_TEMPLATES.filter((t) => t.flow === 'insurance').map((t) => t.templateId);
    expect(asked).toEqual([{ tmplIds: ids, requestsBefore: before }]);
    expect(mock.requestsTo('POST', '/api/v1/me/subscriptions').map((r) => r.data)).toEqual([
      { templateKeys: ['insurance_status', 'insurance_renewal'], accepted: ['insurance_status'] },
    ]);
    expect(mock.requestsTo('POST', '/api/v1/insurance/enrolments')).toHaveLength(1);
  });
});
