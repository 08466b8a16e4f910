import { errorReply, loginOk, me, UNAUTHORIZED } from './helpers/fixtures';
import { launchApp } from './helpers/app';
import { exists, fire, openPage, rootClasses, texts } from './helpers/page';
import { useWxMock, WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

const TOWNS = {
  items: [
    { code: '370303-JD-CZ', name: '车站街道', level: 'subdistrict', parentCode: '370303' },
    { code: '370303-Z-ND', name: '南定镇', level: 'town', parentCode: '370303' },
  ],
};
const VILLAGES = {
  items: [
    { code: '370303-Z-ND-001', name: '南定村', level: 'village', parentCode: '370303-Z-ND' },
    { code: '370303-Z-ND-002', name: '山王村', level: 'village', parentCode: '370303-Z-ND' },
  ],
};

async function openMe(profile: Record<string, unknown> = {}, prepare: (mock: WxMock) => void = () => undefined) {
  const mock = wxMock();
  mock.on('POST', '/api/v1/auth/login', loginOk('me-token'));
  mock.on('GET', '/api/v1/me', { statusCode: 200, data: me(profile) });
  prepare(mock);
  const app = await launchApp(mock);
  const page = await openPage(mock, 'me');
  return { mock, app, page };
}

describe('me page: profile', () => {
  test('when it opens, then it loads /me with the token and shows name, village and the server-masked phone', async () => {
    const { mock, page } = await openMe();

    const [loaded] = mock.requestsTo('GET', '/api/v1/me');
    expect(loaded?.header.Authorization).toBe('Bearer me-token');
    expect(page.data.nameDraft).toBe('王秀英');
    expect(texts(page, '.village-name')).toEqual(['南定村']);
    expect(texts(page, '.phone-masked')).toEqual(['138****5678']);
    expect(exists(page, '.loading')).toBe(false);
  });

  test('when the saved token is rejected with 401, then the page logs in again and the retried load succeeds', async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', loginOk('launch-token'), loginOk('renewed-token'));
    mock.on('GET', '/api/v1/me', UNAUTHORIZED, { statusCode: 200, data: me({ name: '赵大爷' }) });
    await launchApp(mock);

    const page = await openPage(mock, 'me');

    expect(mock.requests.map((r) => `${r.effectiveMethod} ${r.path} ${r.header.Authorization ?? '-'}`)).toEqual([
      'POST /api/v1/auth/login -',
      'GET /api/v1/me Bearer launch-token',
      'POST /api/v1/auth/login -',
      'GET /api/v1/me Bearer renewed-token',
    ]);
    expect(page.data.nameDraft).toBe('赵大爷');
    expect(mock.toasts).toEqual([]);
  });

  test('when loading fails on the server, then a calm toast and a retry button appear, and retry loads', async () => {
    const { mock, page } = await openMe({}, (m) =>
      m.on('GET', '/api/v1/me', errorReply(500, 'INTERNAL', 'boom'), { statusCode: 200, data: me() }),
    );
    expect(mock.toasts).toEqual([{ title: '网络不太好，请稍后再试', icon: 'none', duration: 3000 }]);
    expect(exists(page, '.load-failed')).toBe(true);

    await fire(mock, page, '.retry');

    expect(exists(page, '.load-failed')).toBe(false);
    expect(texts(page, '.village-name')).toEqual(['南定村']);
  });

  test('when a new name is typed and saved, then PATCH /me {name} is sent (as POST + override)', async () => {
    const { mock, page } = await openMe({}, (m) => m.on('PATCH', '/api/v1/me', { statusCode: 200, data: me({ name: '李桂兰' }) }));

    await fire(mock, page, '.name-input', 'input', { value: '  李桂兰 ' });
    await fire(mock, page, '.save-name');

    const [patch] = mock.requestsTo('PATCH', '/api/v1/me');
    expect(patch).toMatchObject({
      method: 'POST',
      data: { name: '李桂兰' },
      header: { 'X-HTTP-Method-Override': 'PATCH', Authorization: 'Bearer me-token' },
    });
    expect(page.data.profile.name).toBe('李桂兰');
    expect(mock.lastToast()).toEqual({ title: '姓名已保存', icon: 'success', duration: 1500 });
  });

  test('when the name is left empty, then an error shows and nothing is sent', async () => {
    const { mock, page } = await openMe();

    await fire(mock, page, '.name-input', 'input', { value: '   ' });
    await fire(mock, page, '.save-name');

    expect(texts(page, '.name-error')).toEqual(['请填写姓名（不超过20个字）']);
    expect(mock.requestsTo('PATCH', '/api/v1/me')).toEqual([]);
  });

  test('when the server refuses the name, then the field’s Chinese message is shown as a toast', async () => {
    const { mock, page } = await openMe({}, (m) =>
      m.on('PATCH', '/api/v1/me', {
        statusCode: 400,
        data: { error: { code: 'VALIDATION_FAILED', message: '提交的内容不正确', details: [{ path: 'name', message: '姓名只能包含汉字或字母' }] } },
      }),
    );

    await fire(mock, page, '.name-input', 'input', { value: '王2' });
    await fire(mock, page, '.save-name');

    expect(mock.toasts).toEqual([{ title: '姓名只能包含汉字或字母', icon: 'none', duration: 3000 }]);
    expect(page.data.profile.name).toBe('王秀英');
  });
});

describe('me page: village picker', () => {
  test('when the resident picks a town then a village, then areas load step by step and PATCH /me {villageCode} saves it', async () => {
    const { mock, app, page } = await openMe({ villageCode: null, villageName: null, profileComplete: false }, (m) => {
      m.on('GET', '/api/v1/areas?parent=370303', { statusCode: 200, data: TOWNS });
      m.on('GET', '/api/v1/areas?parent=370303-Z-ND', { statusCode: 200, data: VILLAGES });
      m.on('PATCH', '/api/v1/me', { statusCode: 200, data: me({ villageCode: '370303-Z-ND-002', villageName: '山王村' }) });
    });
    expect(texts(page, '.village-name')).toEqual(['还没有选择']);
    expect(app.globalData.resident?.profileComplete).toBe(false);

    await fire(mock, page, '.start-village');
    expect(texts(page, '.town')).toEqual(['车站街道', '南定镇']);

    await fire(mock, page, page.querySelectorAll('.town')[1]!);
    expect(texts(page, '.step-hint')).toEqual(['第二步：在南定镇里选村（社区）']);
    expect(texts(page, '.village')).toEqual(['南定村', '山王村']);

    await fire(mock, page, page.querySelectorAll('.village')[1]!);

    expect(mock.requestsTo('PATCH', '/api/v1/me').map((r) => r.data)).toEqual([{ villageCode: '370303-Z-ND-002' }]);
    expect(texts(page, '.village-name')).toEqual(['山王村']);
    expect(exists(page, '.village-step')).toBe(false);
    expect(mock.lastToast()?.title).toBe('村已保存');
    expect(app.globalData.resident?.profileComplete).toBe(true);
  });

  test('when a town has no villages yet, then the page says so and 上一步 returns to the towns', async () => {
    const { mock, page } = await openMe({}, (m) => {
      m.on('GET', '/api/v1/areas?parent=370303', { statusCode: 200, data: TOWNS });
      m.on('GET', '/api/v1/areas?parent=370303-JD-CZ', { statusCode: 200, data: { items: [] } });
    });

    await fire(mock, page, '.start-village');
    await fire(mock, page, '.town');
    expect(exists(page, '.no-villages')).toBe(true);

    await fire(mock, page, '.picker-back');

    expect(texts(page, '.town')).toEqual(['车站街道', '南定镇']);
    expect(mock.requestsTo('PATCH', '/api/v1/me')).toEqual([]);
  });
});

describe('me page: phone', () => {
  test('when WeChat gives a phone code, then POST /me/phone {code} is sent and the masked phone from the server shows', async () => {
    const { mock, page } = await openMe({ phoneMasked: null }, (m) =>
      m.on('POST', '/api/v1/me/phone', { statusCode: 200, data: me({ phoneMasked: '139****0001' }) }),
    );

    await fire(mock, page, '.get-phone', 'getphonenumber', { code: 'phone-code-1', errMsg: 'getPhoneNumber:ok' });

    const [posted] = mock.requestsTo('POST', '/api/v1/me/phone');
    expect(posted?.data).toEqual({ code: 'phone-code-1' });
    expect(posted?.header.Authorization).toBe('Bearer me-token');
    expect(texts(page, '.phone-masked')).toEqual(['139****0001']);
    expect(mock.lastToast()?.title).toBe('手机号已保存');
  });

  test('when the resident refuses to share the phone, then nothing is sent and the typed field appears', async () => {
    const { mock, page } = await openMe();

    await fire(mock, page, '.get-phone', 'getphonenumber', { errMsg: 'getPhoneNumber:fail user deny' });

    expect(mock.requestsTo('POST', '/api/v1/me/phone')).toEqual([]);
    expect(exists(page, '.phone-input')).toBe(true);
    expect(mock.lastToast()?.title).toBe('没有获取到，可以自己填写');
  });

  test('when a typed phone is not an 11-digit mobile, then an error shows and nothing is sent', async () => {
    const { mock, page } = await openMe();
    await fire(mock, page, '.type-phone');

    await fire(mock, page, '.phone-input', 'input', { value: '12345678901' });
    await fire(mock, page, '.save-phone');

    expect(texts(page, '.phone-error')).toEqual(['请填写11位手机号，例如 13812345678']);
    expect(mock.requestsTo('PATCH', '/api/v1/me')).toEqual([]);
  });

  test('when a valid phone is typed with spaces, then PATCH /me {phone} sends the digits and the server-masked phone shows', async () => {
    const { mock, page } = await openMe({ phoneMasked: null }, (m) =>
      m.on('PATCH', '/api/v1/me', { statusCode: 200, data: me({ phoneMasked: '138****5678' }) }),
    );
    expect(texts(page, '.phone-masked')).toEqual(['还没有填写']);
    await fire(mock, page, '.type-phone');

    await fire(mock, page, '.phone-input', 'input', { value: '138 1234 5678' });
    await fire(mock, page, '.save-phone');

    expect(mock.requestsTo('PATCH', '/api/v1/me').map((r) => r.data)).toEqual([{ phone: '13812345678' }]);
    expect(texts(page, '.phone-masked')).toEqual(['138****5678']);
    expect(exists(page, '.phone-input')).toBe(false);
  });
});

describe('me page: elderly mode', () => {
  test('when the switch is turned on, then the elder class applies at once, is kept on the phone and sent to the server', async () => {
    const { mock, app, page } = await openMe({}, (m) => m.on('PATCH', '/api/v1/me', { statusCode: 200, data: me({ elderlyMode: true }) }));
    expect(rootClasses(page)).toEqual(['page']);

    await fire(mock, page, '.elder-switch', 'change', { value: true });

    expect(rootClasses(page)).toEqual(['page', 'elder']);
    expect(mock.storage.get('elderlyMode')).toBe(true);
    expect(app.globalData.elderlyMode).toBe(true);
    expect(mock.requestsTo('PATCH', '/api/v1/me').map((r) => r.data)).toEqual([{ elderlyMode: true }]);
  });

  test('when the server says the resident uses elderly mode, then the page shows large type after loading', async () => {
    const { app, page } = await openMe({ elderlyMode: true });

    expect(rootClasses(page)).toEqual(['page', 'elder']);
    expect(app.globalData.elderlyMode).toBe(true);
  });
});

describe('me page: my data', () => {
  test('when 看看存了我哪些数据 is tapped, then GET /me/export is summarised in plain lines', async () => {
    const { mock, page } = await openMe({}, (m) =>
      m.on('GET', '/api/v1/me/export', {
        statusCode: 200,
        data: { exportedAt: '2026-11-20T00:00:00Z', profile: { name: '王秀英' }, consentLedger: [{}, {}], quizAttempts: [{}, {}, {}] },
      }),
    );

    await fire(mock, page, '.export');

    expect(mock.requestsTo('GET', '/api/v1/me/export')[0]?.header.Authorization).toBe('Bearer me-token');
    expect(texts(page, '.export-line')).toEqual(['基本信息：有', '同意和撤回记录：2 条', '答题记录：3 条']);
  });

  test('when the resident confirms deletion, then DELETE /me is sent, the session is cleared and the app restarts at home', async () => {
    const { mock, app, page } = await openMe({}, (m) => m.on('DELETE', '/api/v1/me', { statusCode: 204 }));

    await fire(mock, page, '.delete');

    expect(mock.modals[0]).toMatchObject({ title: '删除我的数据', confirmText: '确定删除', cancelText: '不删除' });
    expect(mock.requestsTo('DELETE', '/api/v1/me')[0]?.header.Authorization).toBe('Bearer me-token');
    expect(mock.storage.has('token')).toBe(false);
    expect(app.globalData.token).toBeNull();
    expect(app.globalData.resident).toBeNull();
    expect(mock.navigations).toEqual([{ api: 'reLaunch', url: '/pages/home/index', ok: true }]);
  });

  test('when the resident cancels the deletion dialog, then nothing is deleted', async () => {
    const { mock, page } = await openMe();
    mock.modalConfirms = false;

    await fire(mock, page, '.delete');

    expect(mock.requestsTo('DELETE', '/api/v1/me')).toEqual([]);
    expect(mock.storage.get('token')).toBe('me-token');
  });

  test('when the privacy link is tapped, then the privacy page opens', async () => {
    const { mock, page } = await openMe();

    await fire(mock, page, '.privacy');

    expect(mock.navigations).toEqual([{ api: 'navigateTo', url: '/pages/privacy/index', ok: true }]);
  });
});
