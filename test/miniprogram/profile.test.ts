/** The profile form: name, phone, village, sex and birth year on one page with one 保存. */
import { errorReply, loginOk, me, UNAUTHORIZED } from './helpers/fixtures';
import { launchApp } from './helpers/app';
import { exists, fire, openPage, texts } from './helpers/page';
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

async function openProfile(profile: Record<string, unknown> = {}, prepare: (mock: WxMock) => void = () => undefined, query: Record<string, string> = {}) {
  const mock = wxMock();
  mock.on('POST', '/api/v1/auth/login', loginOk('me-token'));
  mock.on('GET', '/api/v1/me', { statusCode: 200, data: me(profile) });
  prepare(mock);
  const app = await launchApp(mock);
  const page = await openPage(mock, 'profile', query);
  return { mock, app, page };
}

describe('profile form: profile', () => {
  test('when it opens, then it loads /me with the token and shows name, village and the server-masked phone', async () => {
    const { mock, page } = await openProfile();

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

    const page = await openPage(mock, 'profile');

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
    const { mock, page } = await openProfile({}, (m) => m.on('GET', '/api/v1/me', errorReply(500, 'INTERNAL', 'boom'), { statusCode: 200, data: me() }));
    // the page says it itself, with a retry, instead of a toast that vanishes
    expect(mock.toasts).toEqual([]);
    expect(texts(page, '.load-failed')[0]).toContain('网络不太好，没有加载出来。');
    expect(exists(page, '.name-input')).toBe(false);

    await fire(mock, page, '.retry');

    expect(exists(page, '.load-failed')).toBe(false);
    expect(texts(page, '.village-name')).toEqual(['南定村']);
  });

  test('when a new name is typed and 保存 tapped, then PATCH /me {name} is sent (as POST + override)', async () => {
    const { mock, page } = await openProfile({}, (m) => m.on('PATCH', '/api/v1/me', { statusCode: 200, data: me({ name: '李桂兰' }) }));

    await fire(mock, page, '.name-input', 'input', { value: '  李桂兰 ' });
    await fire(mock, page, '.save');

    const [patch] = mock.requestsTo('PATCH', '/api/v1/me');
    expect(patch).toMatchObject({
      method: 'POST',
      data: { name: '李桂兰' },
      header: { 'X-HTTP-Method-Override': 'PATCH', Authorization: 'Bearer me-token' },
    });
    expect(page.data.profile.name).toBe('李桂兰');
    expect(mock.lastToast()).toEqual({ title: '已保存', icon: 'success', duration: 1500 });
  });

  test('when the name is left empty, then an error shows and nothing is sent', async () => {
    const { mock, page } = await openProfile();

    await fire(mock, page, '.name-input', 'input', { value: '   ' });
    await fire(mock, page, '.save');

    expect(texts(page, '.name-error')).toEqual(['请填写姓名（不超过20个字）']);
    expect(mock.requestsTo('PATCH', '/api/v1/me')).toEqual([]);
  });

  test('when the server refuses the name, then the field’s Chinese message is shown as a toast', async () => {
    const { mock, page } = await openProfile({}, (m) =>
      m.on('PATCH', '/api/v1/me', {
        statusCode: 400,
        data: { error: { code: 'VALIDATION_FAILED', message: '提交的内容不正确', details: [{ path: 'name', message: '姓名只能包含汉字或字母' }] } },
      }),
    );

    await fire(mock, page, '.name-input', 'input', { value: '王2' });
    await fire(mock, page, '.save');

    expect(mock.toasts).toEqual([{ title: '姓名只能包含汉字或字母', icon: 'none', duration: 3000 }]);
    expect(page.data.profile.name).toBe('王秀英');
  });
});

describe('profile form: village picker', () => {
  test('when the resident picks a town then a village, then areas load step by step and 保存 sends PATCH /me {villageCode}', async () => {
    const { mock, app, page } = await openProfile({ villageCode: null, villageName: null, profileComplete: false }, (m) => {
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
    expect(texts(page, '.village-name')).toEqual(['山王村']);
    expect(exists(page, '.village-step')).toBe(false);
    expect(mock.requestsTo('PATCH', '/api/v1/me')).toEqual([]); // one save for the whole form

    await fire(mock, page, '.save');

    expect(mock.requestsTo('PATCH', '/api/v1/me').map((r) => r.data)).toEqual([{ villageCode: '370303-Z-ND-002' }]);
    expect(mock.lastToast()?.title).toBe('已保存');
    expect(app.globalData.resident?.profileComplete).toBe(true);
  });

  test('when a town has no villages yet, then the page says so and 上一步 returns to the towns', async () => {
    const { mock, page } = await openProfile({}, (m) => {
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

describe('profile form: phone', () => {
  test('when WeChat gives a phone code, then POST /me/phone {code} is sent and the masked phone from the server shows', async () => {
    const { mock, page } = await openProfile({ phoneMasked: null }, (m) =>
      m.on('POST', '/api/v1/me/phone', { statusCode: 200, data: me({ phoneMasked: '139****0001' }) }),
    );

    await fire(mock, page, '.get-phone', 'getphonenumber', { code: 'phone-code-1', errMsg: 'getPhoneNumber:ok' });

    const [posted] = mock.requestsTo('POST', '/api/v1/me/phone');
    expect(posted?.data).toEqual({ code: 'phone-code-1' });
    expect(posted?.header.Authorization).toBe('Bearer me-token');
    expect(texts(page, '.phone-masked')).toEqual(['139****0001']);
    expect(mock.lastToast()?.title).toBe('手机号已填好');
  });

  test('when the resident refuses to share the phone, then nothing is sent and the typed field appears', async () => {
    const { mock, page } = await openProfile();

    await fire(mock, page, '.get-phone', 'getphonenumber', { errMsg: 'getPhoneNumber:fail user deny' });

    expect(mock.requestsTo('POST', '/api/v1/me/phone')).toEqual([]);
    expect(exists(page, '.phone-input')).toBe(true);
    expect(mock.lastToast()?.title).toBe('没有获取到，可以自己填写');
  });

  test('when a typed phone is not an 11-digit mobile, then an error shows and nothing is sent', async () => {
    const { mock, page } = await openProfile();
    await fire(mock, page, '.type-phone');

    await fire(mock, page, '.phone-input', 'input', { value: '12345678901' });
    await fire(mock, page, '.save');

    expect(texts(page, '.phone-error')).toEqual(['请填写11位手机号，例如 13812345678']);
    expect(mock.requestsTo('PATCH', '/api/v1/me')).toEqual([]);
  });

  test('when a valid phone is typed with spaces, then PATCH /me {phone} sends the digits and the server-masked phone shows', async () => {
    const { mock, page } = await openProfile({ phoneMasked: null }, (m) =>
      m.on('PATCH', '/api/v1/me', { statusCode: 200, data: me({ phoneMasked: '138****5678' }) }),
    );
    expect(texts(page, '.phone-masked')).toEqual(['还没有填写']);
    await fire(mock, page, '.type-phone');

    await fire(mock, page, '.phone-input', 'input', { value: '138 1234 5678' });
    await fire(mock, page, '.save');

    expect(mock.requestsTo('PATCH', '/api/v1/me').map((r) => r.data)).toEqual([{ phone: '13812345678' }]);
    expect(texts(page, '.phone-masked')).toEqual(['138****5678']);
    expect(exists(page, '.phone-input')).toBe(false);
  });
});

describe('profile form: one save', () => {
  test('when name, village, sex and birth year are changed, then one 保存 sends them together and nothing typed is lost', async () => {
    const { mock, page } = await openProfile({ name: null, villageCode: null, villageName: null, sex: null, birthYear: null, profileComplete: false }, (m) => {
      m.on('GET', '/api/v1/areas?parent=370303', { statusCode: 200, data: TOWNS });
      m.on('GET', '/api/v1/areas?parent=370303-Z-ND', { statusCode: 200, data: VILLAGES });
      m.on('PATCH', '/api/v1/me', { statusCode: 200, data: me({ sex: 'female', birthYear: 1962 }) });
    });
    await fire(mock, page, '.name-input', 'input', { value: '王秀英' });
    await fire(mock, page, '.start-village');
    await fire(mock, page, page.querySelectorAll('.town')[1]!);
    await fire(mock, page, page.querySelectorAll('.village')[0]!);
    await fire(mock, page, '.sex-female');
    await fire(mock, page, '.year-picker', 'change', { value: String(1962 - 1920) });
    expect(page.data.nameDraft).toBe('王秀英');
    expect(texts(page, '.birth-year')).toEqual(['1962 年出生']);

    await fire(mock, page, '.save');

    expect(mock.requestsTo('PATCH', '/api/v1/me').map((r) => r.data)).toEqual([
      { name: '王秀英', villageCode: '370303-Z-ND-001', sex: 'female', birthYear: 1962 },
    ]);
  });

  test('when an ID number is typed, then sex and birth year are filled from it and the number is never sent', async () => {
    const { mock, page } = await openProfile({ sex: null, birthYear: null }, (m) =>
      m.on('PATCH', '/api/v1/me', { statusCode: 200, data: me({ sex: 'male', birthYear: 1958 }) }),
    );
    await fire(mock, page, '.id-input', 'input', { value: '370303195803150013' });
    expect(page.data.sex).toBe('male');
    expect(texts(page, '.birth-year')).toEqual(['1958 年出生']);

    await fire(mock, page, '.save');

    const sent = mock.requestsTo('PATCH', '/api/v1/me')[0]!.data;
    expect(sent).toEqual({ sex: 'male', birthYear: 1958 });
    expect(JSON.stringify(mock.requests.map((r) => r.data))).not.toContain('370303195803150013');
  });

  test('when opened by a sign-up that needs sex and birth year, then saving without them says what is missing; with them it goes back', async () => {
    const { mock, page } = await openProfile(
      { sex: null, birthYear: null },
      (m) => m.on('PATCH', '/api/v1/me', { statusCode: 200, data: me({ sex: 'female', birthYear: 1970 }) }),
      { need: 'sexBirth', back: '1' },
    );
    expect(texts(page, '.need-banner')[0]).toContain('年龄或性别要求');
    await fire(mock, page, '.save');
    expect(texts(page, '.sex-birth-error')).toEqual(['请选择性别和出生年份']);
    expect(mock.requestsTo('PATCH', '/api/v1/me')).toEqual([]);

    await fire(mock, page, '.sex-female');
    await fire(mock, page, '.year-picker', 'change', { value: String(1970 - 1920) });
    await fire(mock, page, '.save');

    expect(mock.requestsTo('PATCH', '/api/v1/me').map((r) => r.data)).toEqual([{ sex: 'female', birthYear: 1970 }]);
    expect(mock.navigations).toEqual([{ api: 'navigateBack', delta: 1, ok: true }]);
  });
});
