import { consent, errorReply, loginOk } from './helpers/fixtures';
import { launchApp, registerApp } from './helpers/app';
import { settle, useWxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

describe('app launch and session', () => {
  test('when the app launches, then it logs in with the wx.login code and exposes token, resident and elderlyMode', async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', loginOk('launch-token', { id: 'r-9', profileComplete: false, consents: [] }));

    const app = await launchApp(mock);

    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]).toMatchObject({ url: 'http://127.0.0.1:3000/api/v1/auth/login', method: 'POST', data: { code: 'wx-code-1' } });
    expect(mock.storage.get('token')).toBe('launch-token');
    expect(app.globalData).toEqual({
      token: 'launch-token',
      resident: { id: 'r-9', profileComplete: false, consents: [] },
      elderlyMode: false,
    });
  });

  test('when elderly mode was switched on earlier on this phone, then globalData.elderlyMode starts true', async () => {
    const mock = wxMock();
    mock.storage.set('elderlyMode', true);
    mock.on('POST', '/api/v1/auth/login', loginOk('t'));

    const app = await launchApp(mock);

    expect(app.globalData.elderlyMode).toBe(true);
  });

  test('when a page asks for the session while the launch login runs, then both share one login', async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', loginOk('shared-token'));
    const app = registerApp();

    app.onLaunch();
    const resident = await app.ensureSession();

    expect(resident?.id).toBe('r-1');
    expect(mock.logins).toEqual(['wx-code-1']);
  });

  test('when the launch login fails, then the user sees a toast, ensureSession gives null, and a later call logs in again', async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', errorReply(503, 'UNAVAILABLE', 'down'), loginOk('second-try'));

    const app = await launchApp(mock);
    expect(app.globalData.token).toBeNull();
    expect(mock.lastToast()?.title).toBe('网络不太好，请稍后再试');

    const resident = await app.ensureSession();

    expect(resident).toEqual({ id: 'r-1', profileComplete: true, consents: [consent()] });
    expect(app.globalData.token).toBe('second-try');
    expect(mock.logins).toHaveLength(2);
  });
});

describe('app privacy authorization', () => {
  async function launchedWithPrivacyRequest() {
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', loginOk('t'));
    const app = await launchApp(mock);
    const answers: unknown[] = [];
    mock.privacyListener?.((answer) => answers.push(answer), { referrer: 'button.getPhoneNumber' });
    await settle(mock);
    return { mock, app, answers };
  }

  test('when a privacy API needs agreement, then the app opens the privacy page and keeps the request waiting', async () => {
    const { mock, app, answers } = await launchedWithPrivacyRequest();

    expect(mock.navigations).toEqual([{ api: 'navigateTo', url: '/pages/privacy/index', ok: true }]);
    expect(app.hasPendingPrivacy()).toBe(true);
    expect(answers).toEqual([]);
  });

  test('when the user agrees on the privacy page, then the waiting request is resolved with the agree button id', async () => {
    const { app, answers } = await launchedWithPrivacyRequest();

    app.settlePrivacy('agree');

    expect(answers).toEqual([{ event: 'agree', buttonId: 'agree-privacy' }]);
    expect(app.hasPendingPrivacy()).toBe(false);
  });

  test('when the privacy page is already open, then a new request does not open it a second time', async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', loginOk('t'));
    const app = await launchApp(mock);
    mock.pageStack = [{ route: 'pages/home/index' }, { route: 'pages/privacy/index' }];

    mock.privacyListener?.(() => undefined, { referrer: 'button.getPhoneNumber' });

    expect(mock.navigations).toEqual([]);
    expect(app.hasPendingPrivacy()).toBe(true);
  });

  test('when a second request arrives before the first is answered, then the first is told disagree so it does not hang', async () => {
    const { mock, app, answers } = await launchedWithPrivacyRequest();
    const second: unknown[] = [];

    mock.privacyListener?.((answer) => second.push(answer), { referrer: 'getClipboardData' });
    app.settlePrivacy('disagree');

    expect(answers).toEqual([{ event: 'disagree' }]);
    expect(second).toEqual([{ event: 'disagree' }]);
  });
});
