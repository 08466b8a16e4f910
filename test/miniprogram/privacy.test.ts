import * as fs from 'fs';
import * as path from 'path';
import { consent, errorReply, loginOk } from './helpers/fixtures';
import { launchApp } from './helpers/app';
import { exists, fire, openPage, rootClasses, texts } from './helpers/page';
import { MP_ROOT, POLICY_TEXT, useWxMock, WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

async function openPrivacy(consents: unknown[] = [], prepare: (mock: WxMock) => void = () => undefined) {
  const mock = wxMock();
  mock.on('POST', '/api/v1/auth/login', loginOk('privacy-token', { consents }));
  prepare(mock);
  const app = await launchApp(mock);
  mock.pageStack = [{ route: 'pages/home/index' }, { route: 'pages/privacy/index' }];
  const page = await openPage(mock, 'privacy');
  return { mock, app, page };
}

describe('privacy page', () => {
  test('when it opens, then it shows the policy text and version the server serves now', async () => {
    const { page } = await openPrivacy();

    expect(texts(page, '.version')).toEqual(['说明版本：2026-11']);
    expect(texts(page, '.section-title')).toEqual(['我们收集什么，为什么', '您随时可以']);
    expect(texts(page, '.item-head')).toEqual(['手机号']);
    expect(exists(page, '#agree-privacy')).toBe(true);
  });

  test('when the server has a newer policy, then that version is shown, agreed to, and counts as current afterwards', async () => {
    const { mock, page } = await openPrivacy([], (m) => {
      m.on('GET', '/api/v1/policy', { statusCode: 200, data: { ...POLICY_TEXT, version: '2027-03' } });
      m.on('POST', '/api/v1/me/consents', { statusCode: 201, data: { consents: [consent('basic', '2027-03')] } });
    });
    expect(texts(page, '.version')).toEqual(['说明版本：2027-03']);
    await fire(mock, page, '#agree-privacy', 'agreeprivacyauthorization');
    expect(mock.requestsTo('POST', '/api/v1/me/consents')[0]!.data).toEqual({ purpose: 'basic', policyVersion: '2027-03' });
    expect(page.data.consented).toBe(true);
  });

  test('when the policy cannot be loaded, then there is nothing to agree to yet: an error with a retry', async () => {
    const { mock, page } = await openPrivacy([], (m) =>
      m.on('GET', '/api/v1/policy', { networkError: 'request:fail timeout' }, { statusCode: 200, data: POLICY_TEXT }),
    );
    expect(exists(page, '.load-failed')).toBe(true);
    expect(exists(page, '#agree-privacy')).toBe(false);
    await fire(mock, page, '.retry');
    expect(exists(page, '.load-failed')).toBe(false);
    expect(exists(page, '#agree-privacy')).toBe(true);
  });

  test('when rendered, then the agree button is WeChat’s agreePrivacyAuthorization button wired to onAgree', () => {
    const wxml = fs.readFileSync(path.join(MP_ROOT, 'pages/privacy/index.wxml'), 'utf8');
    const button = /<button[^>]*id="agree-privacy"[^>]*>/s.exec(wxml)?.[0] ?? '';

    expect(button).toContain('open-type="agreePrivacyAuthorization"');
    expect(button).toContain('bindagreeprivacyauthorization="onAgree"');
  });

  test('when the resident agrees, then the consent is posted with token and key, recorded in the app, and the page goes back', async () => {
    const { mock, app, page } = await openPrivacy([], (m) =>
      m.on('POST', '/api/v1/me/consents', {
        statusCode: 201,
        data: { consents: [{ purpose: 'basic', policyVersion: '2026-11', grantedAt: '2026-11-20T01:02:03.000Z' }] },
      }),
    );

    await fire(mock, page, '#agree-privacy', 'agreeprivacyauthorization');

    const [posted] = mock.requestsTo('POST', '/api/v1/me/consents');
    expect(posted?.data).toEqual({ purpose: 'basic', policyVersion: '2026-11' });
    expect(posted?.header.Authorization).toBe('Bearer privacy-token');
    expect(posted?.header['Idempotency-Key']).toMatch(/^[0-9a-z]+-[0-9a-f]{8}-/);
    expect(app.globalData.resident?.consents).toEqual([{ purpose: 'basic', policyVersion: '2026-11', grantedAt: '2026-11-20T01:02:03.000Z' }]);
    expect(page.data.consented).toBe(true);
    expect(mock.toasts).toEqual([{ title: '已同意，谢谢', icon: 'success', duration: 1500 }]);
    expect(mock.navigations).toEqual([{ api: 'navigateBack', delta: 1, ok: true }]);
  });

  test('when the page was opened for a waiting privacy request, then agreeing lets that request continue', async () => {
    const answers: unknown[] = [];
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', loginOk('t', { consents: [] }));
    mock.on('POST', '/api/v1/me/consents', { statusCode: 201, data: { consents: [consent()] } });
    await launchApp(mock);
    mock.privacyListener?.((answer) => answers.push(answer), { referrer: 'button.getPhoneNumber' });
    mock.pageStack = [{ route: 'pages/me/index' }, { route: 'pages/privacy/index' }];
    const page = await openPage(mock, 'privacy');
    expect(answers).toEqual([{ event: 'exposureAuthorization' }]);

    await fire(mock, page, '#agree-privacy', 'agreeprivacyauthorization');

    expect(answers).toEqual([{ event: 'exposureAuthorization' }, { event: 'agree', buttonId: 'agree-privacy' }]);
  });

  test('when the resident declines a waiting request, then it is answered disagree and the page goes back', async () => {
    const answers: unknown[] = [];
    const { mock, app, page } = await openPrivacy([]);
    mock.privacyListener?.((answer) => answers.push(answer), { referrer: 'button.getPhoneNumber' });
    mock.navigations.length = 0;

    await fire(mock, page, '.disagree');

    expect(answers).toEqual([{ event: 'disagree' }]);
    expect(app.hasPendingPrivacy()).toBe(false);
    expect(mock.navigations).toEqual([{ api: 'navigateBack', delta: 1, ok: true }]);
    expect(mock.requestsTo('POST', '/api/v1/me/consents')).toEqual([]);
  });

  test('when the resident leaves the page without choosing, then the waiting request is answered disagree', async () => {
    const answers: unknown[] = [];
    const { mock, page } = await openPrivacy([]);
    mock.privacyListener?.((answer) => answers.push(answer), { referrer: 'button.getPhoneNumber' });

    page.instance.onUnload();

    expect(answers).toEqual([{ event: 'disagree' }]);
  });

  test('when saving the consent fails, then the server message is shown and the page stays', async () => {
    const { mock, page } = await openPrivacy([], (m) =>
      m.on('POST', '/api/v1/me/consents', errorReply(409, 'POLICY_OUTDATED', '隐私政策已更新，请阅读最新版本后再同意')),
    );

    await fire(mock, page, '#agree-privacy', 'agreeprivacyauthorization');

    expect(mock.toasts).toEqual([{ title: '隐私政策已更新，请阅读最新版本后再同意', icon: 'none', duration: 3000 }]);
    expect(mock.navigations).toEqual([]);
    expect(page.data.consented).toBe(false);
    expect(exists(page, '#agree-privacy')).toBe(true);
  });

  test('when the resident already agreed, then the page says so and offers withdrawal instead of agreeing', async () => {
    const { page } = await openPrivacy([consent()]);

    expect(texts(page, '.agreed')).toEqual(['您已同意这份说明（2026-11）。']);
    expect(exists(page, '#agree-privacy')).toBe(false);
    expect(exists(page, '.withdraw')).toBe(true);
  });

  test('when the resident confirms withdrawal, then DELETE /me/consents/basic is sent and the consent is gone', async () => {
    const { mock, app, page } = await openPrivacy([consent(), consent('insurance')], (m) =>
      m.on('DELETE', '/api/v1/me/consents/basic', { statusCode: 200, data: { consents: [consent('insurance')] } }),
    );

    await fire(mock, page, '.withdraw');

    expect(mock.modals[0]).toMatchObject({ title: '撤回同意', confirmText: '撤回', cancelText: '不撤回' });
    const [deleted] = mock.requestsTo('DELETE', '/api/v1/me/consents/basic');
    expect(deleted?.header.Authorization).toBe('Bearer privacy-token');
    expect(app.globalData.resident?.consents).toEqual([consent('insurance')]);
    expect(page.data.consented).toBe(false);
    expect(exists(page, '#agree-privacy')).toBe(true);
    expect(mock.lastToast()).toEqual({ title: '已撤回', icon: 'success', duration: 1500 });
  });

  test('when the resident cancels the withdrawal dialog, then nothing is sent', async () => {
    const { mock, page } = await openPrivacy([consent()]);
    mock.modalConfirms = false;

    await fire(mock, page, '.withdraw');

    expect(mock.modals).toHaveLength(1);
    expect(mock.requestsTo('DELETE', '/api/v1/me/consents/basic')).toEqual([]);
    expect(page.data.consented).toBe(true);
  });

  test('when 看完整的隐私保护指引 is tapped, then WeChat’s privacy contract opens', async () => {
    const { mock, page } = await openPrivacy([consent()]);

    await fire(mock, page, '.contract');

    expect(mock.navigations).toEqual([{ api: 'openPrivacyContract', ok: true }]);
  });

  test('when elderly mode is on, then the privacy page root carries the elder class', async () => {
    const { page } = await openPrivacy([], (m) => m.storage.set('elderlyMode', true));

    expect(rootClasses(page)).toContain('elder');
  });
});
