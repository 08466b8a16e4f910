import { consent, loginOk, me } from './helpers/fixtures';
import { launchApp } from './helpers/app';
import { exists, fire, openPage, rootClasses, texts } from './helpers/page';
import { NOTICE_TEMPLATES, useWxMock, WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

const referral = (over: Record<string, unknown> = {}) => ({
  id: 'ref-1',
  status: 'reviewing',
  statusLabel: '审核中',
  childNameMasked: '李**',
  condition: 'cleft_lip',
  referredTo: null,
  surgeryDate: null,
  canWithdraw: true,
  createdAt: '2026-11-20T02:00:00.000Z',
  history: [
    { status: 'submitted', statusLabel: '已提交', at: '2026-11-20T02:00:00.000Z', note: null },
    { status: 'reviewing', statusLabel: '审核中', at: '2026-11-21T02:00:00.000Z', note: '已电话联系' },
  ],
  ...over,
});

async function openCleft(
  opts: { consents?: unknown[]; items?: unknown[]; profile?: Record<string, unknown> } = {},
  prepare: (m: WxMock) => void = () => undefined,
) {
  const mock = wxMock();
  const consents = opts.consents ?? [consent()];
  mock.on('POST', '/api/v1/auth/login', loginOk('cleft-token', { consents }));
  mock.on('GET', '/api/v1/me', { statusCode: 200, data: me({ consents, ...opts.profile }) });
  mock.on('GET', '/api/v1/referrals', { statusCode: 200, data: { items: opts.items ?? [] } });
  prepare(mock);
  const app = await launchApp(mock);
  const page = await openPage(mock, 'cleft');
  return { mock, app, page };
}

async function fillAllSteps(mock: WxMock, page: Awaited<ReturnType<typeof openCleft>>['page']) {
  await fire(mock, page, '.child-name', 'input', { value: ' 李小宝 ' });
  await fire(mock, page, '.sex-male');
  await fire(mock, page, '.birth-picker', 'change', { value: '2026-07-10' });
  await fire(mock, page, '.next');
  await fire(mock, page, page.querySelectorAll('.condition')[2]!);
  await fire(mock, page, '.diagnosed-yes');
  await fire(mock, page, '.diagnosed-where', 'input', { value: '淄博市妇幼保健院' });
  await fire(mock, page, '.next');
  await fire(mock, page, page.querySelectorAll('.household')[0]!);
  await fire(mock, page, page.querySelectorAll('.relation')[1]!);
  await fire(mock, page, '.guardian-phone', 'input', { value: '13912345678' });
}

describe('cleft page', () => {
  test('when it opens, then it explains the programme plainly and lists my referrals with their status and steps', async () => {
    const { page } = await openCleft({ items: [referral()] });
    expect(texts(page, '.explain-line')[1]).toContain('唇裂一般在 3 到 6 个月大时做');
    expect(texts(page, '.referral-child')).toEqual(['孩子：李**']);
    expect(texts(page, '.status')).toEqual(['审核中']);
    expect(texts(page, '.step-line')).toEqual(['已提交', '审核中 已电话联系']);
    expect(exists(page, '.withdraw')).toBe(true);
  });

  test('when elderly mode is on, then the page root has the elder class', async () => {
    const { page } = await openCleft({}, (m) => m.storage.set('elderlyMode', true));
    expect(rootClasses(page)).toContain('elder');
  });

  test('when the village is not chosen yet, then it sends the resident to 我的 instead of the form', async () => {
    const { page } = await openCleft({ profile: { villageCode: null, villageName: null } });
    expect(exists(page, '.need-village')).toBe(true);
    expect(exists(page, '.start')).toBe(false);
  });

  test('when there is no child-data consent, then the consent step asks the relation and posts the consent with it', async () => {
    const { mock, page } = await openCleft({}, (m) =>
      m.on('POST', '/api/v1/me/consents', { statusCode: 201, data: { consents: [consent(), consent('child-data')] } }),
    );
    await fire(mock, page, '.start');
    expect(exists(page, '.consent-step')).toBe(true);

    await fire(mock, page, '.agree');
    expect(texts(page, '.relation-error')).toEqual(['请选择您和孩子的关系']);
    expect(mock.requestsTo('POST', '/api/v1/me/consents')).toHaveLength(0);

    await fire(mock, page, page.querySelectorAll('.relation')[1]!);
    await fire(mock, page, '.agree');
    const [sent] = mock.requestsTo('POST', '/api/v1/me/consents');
    expect(sent?.data).toEqual({ purpose: 'child-data', policyVersion: '2026-11', guardianRelation: '母亲' });
    expect(exists(page, '.child-step')).toBe(true);
  });

  test('when the relation was given with the consent, then the last step does not ask it again; 提交申请 asks for the referral notices first', async () => {
    const { mock, page } = await openCleft({}, (m) => {
      m.on('POST', '/api/v1/me/consents', { statusCode: 201, data: { consents: [consent(), consent('child-data')] } });
      m.on('POST', '/api/v1/referrals', { statusCode: 201, data: referral({ status: 'submitted', statusLabel: '已提交' }) });
      m.on('POST', '/api/v1/me/subscriptions', { statusCode: 201, data: { credits: { referral_status: 1 } } });
    });
    const asked: Array<{ tmplIds: string[]; requestsBefore: number }> = [];
    (mock.wx as Record<string, unknown>).requestSubscribeMessage = (opts: { tmplIds: string[]; success?: (r: unknown) => void }) => {
      asked.push({ tmplIds: opts.tmplIds, requestsBefore: mock.requests.length });
      setTimeout(() => opts.success?.({ errMsg: 'requestSubscribeMessage:ok', [opts.tmplIds[0]!]: 'accept' }), 0);
    };
    await fire(mock, page, '.start');
    await fire(mock, page, page.querySelectorAll('.relation')[0]!); // 父亲
    await fire(mock, page, '.agree');
    await fire(mock, page, '.child-name', 'input', { value: '李小宝' });
    await fire(mock, page, '.sex-female');
    await fire(mock, page, '.birth-picker', 'change', { value: '2026-07-10' });
    await fire(mock, page, '.next');
    await fire(mock, page, page.querySelectorAll('.condition')[0]!);
    await fire(mock, page, '.diagnosed-no');
    await fire(mock, page, '.next');
    expect(exists(page, '.family-step')).toBe(true);
    expect(exists(page, '.relation')).toBe(false);
    expect(texts(page, '.relation-given')).toEqual(['您是孩子的：父亲']);
    await fire(mock, page, '.guardian-phone', 'input', { value: '13912345678' });
    const before = mock.requests.length;
    await fire(mock, page, '.submit');

    expect(asked).toEqual([{ tmplIds: NOTICE_TEMPLATES.filter((t) => t.flow === 'referral').map((t) => t.templateId), requestsBefore: before }]);
    expect(mock.requestsTo('POST', '/api/v1/me/subscriptions').map((r) => r.data)).toEqual([
      { templateKeys: ['referral_status'], accepted: ['referral_status'] },
    ]);
    expect(mock.requestsTo('POST', '/api/v1/referrals')[0]?.data).toMatchObject({ guardianRelation: '父亲', guardianPhone: '13912345678' });
  });

  test('when a step is incomplete, then 下一步 stays and names what is missing', async () => {
    const { mock, page } = await openCleft({ consents: [consent(), consent('child-data')] });
    await fire(mock, page, '.start');
    await fire(mock, page, '.next');
    expect(exists(page, '.child-step')).toBe(true);
    expect(texts(page, '.error-text')).toEqual(['请填写孩子的姓名', '请选择孩子的性别', '请选择孩子的出生日期']);
  });

  test('when the three steps are filled and submitted, then one referral is posted with an idempotency key and the list reloads', async () => {
    const { mock, page } = await openCleft({ consents: [consent(), consent('child-data')] }, (m) => {
      m.on('POST', '/api/v1/referrals', { statusCode: 201, data: referral({ status: 'submitted', statusLabel: '已提交' }) });
    });
    await fire(mock, page, '.start');
    await fillAllSteps(mock, page);
    mock.on('GET', '/api/v1/referrals', { statusCode: 200, data: { items: [referral({ status: 'submitted', statusLabel: '已提交' })] } });
    await fire(mock, page, '.submit');

    const [sent] = mock.requestsTo('POST', '/api/v1/referrals');
    expect(sent?.data).toEqual({
      childName: '李小宝',
      childSex: 'male',
      childBirthDate: '2026-07-10',
      condition: 'cleft_lip_palate',
      diagnosed: true,
      diagnosedWhere: '淄博市妇幼保健院',
      household: ['dibao'],
      guardianRelation: '母亲',
      guardianPhone: '13912345678',
      villageCode: '370303-Z-ND-001',
    });
    expect(sent?.header['Idempotency-Key']).toMatch(/^[\w-]{8,64}$/);
    expect(texts(page, '.status')).toEqual(['已提交']);
    expect(mock.lastToast()?.title).toBe('已提交，工作人员会联系您');
  });

  test('when the server refuses a field, then the form returns to that step and shows the message there', async () => {
    const { mock, page } = await openCleft({ consents: [consent(), consent('child-data')] }, (m) => {
      m.on('POST', '/api/v1/referrals', {
        statusCode: 400,
        data: { error: { code: 'VALIDATION_FAILED', message: '出生日期不正确', details: [{ path: 'childBirthDate', message: '出生日期不正确' }] } },
      });
    });
    await fire(mock, page, '.start');
    await fillAllSteps(mock, page);
    await fire(mock, page, '.submit');
    expect(exists(page, '.child-step')).toBe(true);
    expect(texts(page, '.birth-error')).toEqual(['出生日期不正确']);
  });

  test('when the guardian confirms 撤回, then the withdrawal is posted and the list reloads', async () => {
    const { mock, page } = await openCleft({ items: [referral()] }, (m) => {
      m.on('POST', '/api/v1/referrals/ref-1/withdraw', { statusCode: 200, data: referral({ status: 'withdrawn', statusLabel: '已撤回', canWithdraw: false }) });
    });
    mock.on('GET', '/api/v1/referrals', { statusCode: 200, data: { items: [referral({ status: 'withdrawn', statusLabel: '已撤回', canWithdraw: false })] } });
    await fire(mock, page, '.withdraw');
    expect(mock.modals[0]?.title).toBe('撤回申请');
    expect(mock.requestsTo('POST', '/api/v1/referrals/ref-1/withdraw')).toHaveLength(1);
    expect(texts(page, '.status')).toEqual(['已撤回']);
    expect(exists(page, '.withdraw')).toBe(false);
  });

  function fakePhotoPicker(mock: WxMock, size: number) {
    const wx = mock.wx as unknown as Record<string, unknown>;
    wx.chooseMedia = (opts: { success: (r: unknown) => void; mediaType: string[] }) => {
      expect(opts.mediaType).toEqual(['image']);
      setTimeout(() => opts.success({ tempFiles: [{ tempFilePath: 'wxfile://tmp/1.jpg', size, fileType: 'image' }], errMsg: 'chooseMedia:ok' }), 0);
    };
    wx.getFileSystemManager = () => ({
      readFile: (o: { filePath: string; encoding: string; success: (r: unknown) => void }) => {
        expect([o.filePath, o.encoding]).toEqual(['wxfile://tmp/1.jpg', 'base64']);
        setTimeout(() => o.success({ data: '/9j/4AAQ' }), 0);
      },
    });
  }

  test('when a photo is chosen for an open referral, then it is read as base64 and posted once with a key', async () => {
    const { mock, page } = await openCleft({ items: [referral()] }, (m) => {
      m.on('POST', '/api/v1/referrals/ref-1/photos', { statusCode: 201, data: { id: 'ph-1', slot: 1, contentType: 'image/jpeg', size: 6 } });
    });
    fakePhotoPicker(mock, 300_000);
    await fire(mock, page, '.add-photo');
    const sent = mock.requestsTo('POST', '/api/v1/referrals/ref-1/photos');
    expect(sent.map((r) => r.data)).toEqual([{ dataBase64: '/9j/4AAQ' }]);
    expect(sent[0]?.header['Idempotency-Key']).toBeTruthy();
    expect(mock.lastToast()?.title).toBe('照片已上传');
  });

  test('when the chosen photo is over 2 MB, then it is not sent and the resident is told', async () => {
    const { mock, page } = await openCleft({ items: [referral()] });
    fakePhotoPicker(mock, 3 * 1024 * 1024);
    await fire(mock, page, '.add-photo');
    expect(mock.requestsTo('POST', '/api/v1/referrals/ref-1/photos')).toHaveLength(0);
    expect(mock.lastToast()?.title).toBe('照片太大了，请换一张或截图后再传');
  });
});
