import { setApiBaseOverride } from '../../miniprogram/config';
import { api, ApiError, NetworkError, newIdempotencyKey, request, signIn } from '../../miniprogram/services/api';
import { errorReply, loginOk, UNAUTHORIZED } from './helpers/fixtures';
import { registerApp } from './helpers/app';
import { settle, useWxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

function signedIn(token = 'stored-token') {
  const mock = wxMock();
  mock.storage.set('token', token);
  mock.storage.set('tokenExpiresAt', '2099-01-01T00:00:00.000Z');
  return mock;
}

beforeEach(() => {
  registerApp();
});

describe('services/api request', () => {
  test('when a token is stored, then a GET carries it as a bearer token, builds the query, and returns the data', async () => {
    const mock = signedIn();
    mock.on('GET', '/api/v1/areas?parent=370303&level=town', { statusCode: 200, data: { items: [{ code: 'a', name: '甲', level: 'town' }] } });

    const result = await api.get<{ items: { name: string }[] }>('/api/v1/areas', { parent: '370303', level: 'town', skip: undefined });

    expect(result.items[0]?.name).toBe('甲');
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]).toMatchObject({
      url: 'http://127.0.0.1:3000/api/v1/areas?parent=370303&level=town',
      method: 'GET',
      header: { Authorization: 'Bearer stored-token', 'Content-Type': 'application/json' },
    });
    expect(mock.logins).toEqual([]);
  });

  test('when there is no token yet, then it logs in with the wx.login code first and keeps the new token', async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', loginOk('fresh-token'));
    mock.on('GET', '/api/v1/me', { statusCode: 200, data: { id: 'r-1' } });

    await api.get('/api/v1/me');

    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/auth/login', 'GET /api/v1/me']);
    expect(mock.requests[0]?.data).toEqual({ code: 'wx-code-1' });
    expect(mock.requests[0]?.header.Authorization).toBeUndefined();
    expect(mock.requests[1]?.header.Authorization).toBe('Bearer fresh-token');
    expect(mock.storage.get('token')).toBe('fresh-token');
    expect(mock.storage.get('tokenExpiresAt')).toBe('2099-01-01T00:00:00.000Z');
  });

  test('when the stored token has expired, then it logs in before sending instead of waiting for a 401', async () => {
    const mock = signedIn('old-token');
    mock.storage.set('tokenExpiresAt', '2020-01-01T00:00:00.000Z');
    mock.on('POST', '/api/v1/auth/login', loginOk('new-token'));
    mock.on('GET', '/api/v1/me', { statusCode: 200, data: {} });

    await api.get('/api/v1/me');

    expect(mock.requestsTo('GET', '/api/v1/me').map((r) => r.header.Authorization)).toEqual(['Bearer new-token']);
  });

  test('when the server answers 401, then it logs in again once and retries once with the new token, same body and key', async () => {
    const mock = signedIn('stale-token');
    mock.on('POST', '/api/v1/auth/login', loginOk('renewed-token'));
    mock.on('POST', '/api/v1/talks/t-1/registrations', UNAUTHORIZED, { statusCode: 201, data: { seatNo: 7 } });

    const result = await api.post<{ seatNo: number }>('/api/v1/talks/t-1/registrations', { people: 2 }, { idempotencyKey: 'key-123' });

    expect(result).toEqual({ seatNo: 7 });
    const attempts = mock.requestsTo('POST', '/api/v1/talks/t-1/registrations');
    expect(attempts.map((r) => r.header.Authorization)).toEqual(['Bearer stale-token', 'Bearer renewed-token']);
    expect(attempts.map((r) => r.header['Idempotency-Key'])).toEqual(['key-123', 'key-123']);
    expect(attempts.map((r) => r.data)).toEqual([{ people: 2 }, { people: 2 }]);
    expect(mock.logins).toHaveLength(1);
    expect(mock.storage.get('token')).toBe('renewed-token');
    expect(mock.toasts).toEqual([]);
  });

  test('when the retry after re-login is also 401, then it gives up after one re-login and shows the server message', async () => {
    const mock = signedIn();
    mock.on('POST', '/api/v1/auth/login', loginOk('renewed-token'));
    mock.on('GET', '/api/v1/me', UNAUTHORIZED);

    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });

    expect(mock.requestsTo('GET', '/api/v1/me')).toHaveLength(2);
    expect(mock.logins).toHaveLength(1);
    expect(mock.toasts).toEqual([{ title: '请重新登录', icon: 'none', duration: 3000 }]);
  });

  test('when two requests hit 401 together, then they share one re-login', async () => {
    const mock = signedIn('stale-token');
    mock.on('POST', '/api/v1/auth/login', loginOk('renewed-token'));
    mock.on('GET', '/api/v1/me', (req) => (req.header.Authorization === 'Bearer renewed-token' ? { statusCode: 200, data: { ok: 1 } } : UNAUTHORIZED));

    const both = await Promise.all([api.get('/api/v1/me'), api.get('/api/v1/me')]);

    expect(both).toEqual([{ ok: 1 }, { ok: 1 }]);
    expect(mock.logins).toHaveLength(1);
    expect(mock.requestsTo('POST', '/api/v1/auth/login')).toHaveLength(1);
  });

  test('when the server answers 4xx with an error body, then the toast shows its Chinese message and the call rejects', async () => {
    const mock = signedIn();
    mock.on('POST', '/api/v1/talks/t-1/registrations', errorReply(409, 'TALK_FULL', '名额已满'));

    const failure = api.post('/api/v1/talks/t-1/registrations', {});

    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ status: 409, code: 'TALK_FULL', message: '名额已满' });
    expect(mock.toasts).toEqual([{ title: '名额已满', icon: 'none', duration: 3000 }]);
  });

  test('when a validation error names a field in Chinese, then the toast shows that field message', async () => {
    const mock = signedIn();
    mock.on('PATCH', '/api/v1/me', {
      statusCode: 400,
      data: { error: { code: 'VALIDATION_FAILED', message: '提交的内容不正确', details: [{ path: 'phone', message: '请填写 11 位手机号码' }] } },
    });

    await expect(api.patch('/api/v1/me', { phone: '1' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    expect(mock.lastToast()?.title).toBe('请填写 11 位手机号码');
  });

  test('when a validation detail is a library default in English, then the general Chinese message is shown instead', async () => {
    const mock = signedIn();
    mock.on('PATCH', '/api/v1/me', {
      statusCode: 400,
      data: { error: { code: 'VALIDATION_FAILED', message: '提交的内容不正确', details: [{ path: '', message: "Unrecognized key(s) in object: 'x'" }] } },
    });

    await expect(api.patch('/api/v1/me', { x: 1 })).rejects.toBeInstanceOf(ApiError);

    expect(mock.lastToast()?.title).toBe('提交的内容不正确');
  });

  test('when a 4xx carries no message, then the toast falls back to a plain Chinese line', async () => {
    const mock = signedIn();
    mock.on('GET', '/api/v1/me', { statusCode: 404, data: '<html>Not Found</html>' });

    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 404, code: 'HTTP_404' });

    expect(mock.lastToast()?.title).toBe('没有办成，请稍后再试');
  });

  test('when the server answers 5xx, then the toast says the network is not good and hides the server text', async () => {
    const mock = signedIn();
    mock.on('GET', '/api/v1/me', errorReply(500, 'INTERNAL', 'MongoServerError: connection refused'));

    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 500 });

    expect(mock.toasts).toEqual([{ title: '网络不太好，请稍后再试', icon: 'none', duration: 3000 }]);
  });

  test('when the request never reaches the server, then it rejects with NetworkError and the same calm toast', async () => {
    const mock = signedIn();
    mock.on('GET', '/api/v1/me', { networkError: 'request:fail timeout' });

    await expect(api.get('/api/v1/me')).rejects.toBeInstanceOf(NetworkError);

    expect(mock.lastToast()?.title).toBe('网络不太好，请稍后再试');
  });

  test('when the caller asks for silence, then a failure shows no toast', async () => {
    const mock = signedIn();
    mock.on('GET', '/api/v1/me', errorReply(400, 'BAD', '不对'));

    await expect(request('/api/v1/me', { silent: true })).rejects.toMatchObject({ message: '不对' });

    expect(mock.toasts).toEqual([]);
  });

  test('when a page PATCHes, then it goes as POST with X-HTTP-Method-Override because wx.request has no PATCH', async () => {
    const mock = signedIn();
    mock.on('PATCH', '/api/v1/me', { statusCode: 200, data: { name: '李桂兰' } });

    await api.patch('/api/v1/me', { name: '李桂兰' });

    expect(mock.requests[0]).toMatchObject({
      method: 'POST',
      header: { 'X-HTTP-Method-Override': 'PATCH', Authorization: 'Bearer stored-token' },
      data: { name: '李桂兰' },
    });
  });

  test('when a DELETE succeeds with 204, then it resolves without a body', async () => {
    const mock = signedIn();
    mock.on('DELETE', '/api/v1/me/consents/basic', { statusCode: 204 });

    await expect(api.del('/api/v1/me/consents/basic')).resolves.toBe('');
    expect(mock.requests[0]?.method).toBe('DELETE');
    expect(mock.requests[0]?.data).toBeUndefined();
  });

  test('when the base URL is overridden on the device, then requests go to that server', async () => {
    const mock = signedIn();
    setApiBaseOverride('https://health.example.cn/');
    mock.on('GET', 'https://health.example.cn/api/v1/me', { statusCode: 200, data: {} });

    await api.get('/api/v1/me');

    expect(mock.requests[0]?.url).toBe('https://health.example.cn/api/v1/me');
    setApiBaseOverride(null);
    expect(mock.storage.has('apiBaseOverride')).toBe(false);
  });
});

describe('services/api helpers', () => {
  test('when keys are made for two user actions, then they differ and look like opaque ids', () => {
    const keys = new Set(Array.from({ length: 50 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(/^[0-9a-z]+-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  });

  test('when launch login is refused by the server, then signIn shows the server message and rejects', async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', errorReply(400, 'WECHAT_CODE_INVALID', '登录失败，请重新打开小程序'));

    await expect(signIn()).rejects.toMatchObject({ code: 'WECHAT_CODE_INVALID' });

    expect(mock.lastToast()?.title).toBe('登录失败，请重新打开小程序');
    expect(mock.storage.has('token')).toBe(false);
  });

  test('when wx.login itself fails, then nothing is posted and the network toast shows', async () => {
    const mock = wxMock();
    mock.loginFails = 'login:fail timeout';

    await expect(signIn()).rejects.toBeInstanceOf(NetworkError);
    await settle(mock);

    expect(mock.requests).toEqual([]);
    expect(mock.lastToast()?.title).toBe('网络不太好，请稍后再试');
  });
});

describe('services/api re-login races', () => {
  test('when a 401 arrives after another request already logged in again, then it retries with that token without a new login', async () => {
    const mock = signedIn('stale-token');
    mock.on('GET', '/api/v1/me', (req) => {
      // The first answer comes back after someone else renewed the session.
      if (req.header.Authorization === 'Bearer stale-token') {
        mock.storage.set('token', 'renewed-elsewhere');
        return UNAUTHORIZED;
      }
      return { statusCode: 200, data: { ok: 1 } };
    });

    await expect(api.get('/api/v1/me')).resolves.toEqual({ ok: 1 });

    expect(mock.logins).toEqual([]);
    expect(mock.requestsTo('GET', '/api/v1/me').map((r) => r.header.Authorization)).toEqual(['Bearer stale-token', 'Bearer renewed-elsewhere']);
  });
});
