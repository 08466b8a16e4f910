import { consent, loginOk } from './helpers/fixtures';
import { launchApp } from './helpers/app';
import { exists, fire, openPage, rootClasses, texts } from './helpers/page';
import { settle, useWxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

async function openHome(resident: Parameters<typeof loginOk>[1] = {}) {
  const mock = wxMock();
  mock.on('POST', '/api/v1/auth/login', loginOk('home-token', resident));
  const app = await launchApp(mock);
  const page = await openPage(mock, 'home');
  return { mock, app, page };
}

describe('home page', () => {
  test('when the home page opens, then it shows the big activity cards in order', async () => {
    const { page } = await openHome();

    expect(texts(page, '.card-title')).toEqual(['健康答题', '健康讲座', '唇腭裂救助', '家庭保险', '评选投票', '问专家', '有事找村里', '村规民约']);
  });

  test.each([
    ['.card-quiz', '/pages/quiz/index'],
    ['.card-talks', '/pages/talks/index'],
    ['.card-cleft', '/pages/cleft/index'],
    ['.card-insurance', '/pages/insurance/index'],
    ['.card-selections', '/pages/selections/index'],
    ['.card-consult', '/pages/consult/index'],
    ['.card-requests', '/pages/requests/index'],
    ['.card-village-rules', '/pages/village-rules/index'],
  ])('when %s is tapped before its page exists, then it tries %s and says 即将开放', async (selector, url) => {
    const { mock, page } = await openHome();
    mock.pages.delete(url.slice(1)); // as before the feature's page is registered in app.json

    await fire(mock, page, selector);

    expect(mock.navigations).toEqual([{ api: 'navigateTo', url, ok: false }]);
    expect(mock.toasts).toEqual([{ title: '即将开放', icon: 'none', duration: 2000 }]);
  });

  test('when 健康讲座 is tapped, then the talks list (registered in app.json) opens with no toast', async () => {
    const { mock, page } = await openHome();

    await fire(mock, page, '.card-talks');

    expect(mock.navigations).toEqual([{ api: 'navigateTo', url: '/pages/talks/index', ok: true }]);
    expect(mock.toasts).toEqual([]);
  });

  test('when the quiz page has been added to the app, then tapping 健康答题 opens it with no toast', async () => {
    const { mock, page } = await openHome();
    mock.pages.add('pages/quiz/index');

    await fire(mock, page, '.card-quiz');

    expect(mock.navigations).toEqual([{ api: 'navigateTo', url: '/pages/quiz/index', ok: true }]);
    expect(mock.toasts).toEqual([]);
  });

  test('when the resident has not given basic consent, then a banner leads to the privacy page', async () => {
    const { mock, page } = await openHome({ consents: [] });

    expect(exists(page, '.consent-banner')).toBe(true);
    await fire(mock, page, '.open-privacy');

    expect(mock.navigations).toEqual([{ api: 'navigateTo', url: '/pages/privacy/index', ok: true }]);
  });

  test('when the consent was for an older policy version, then the banner asks again', async () => {
    const { page } = await openHome({ consents: [consent('basic', '2025-03')] });

    expect(exists(page, '.consent-banner')).toBe(true);
  });

  test('when basic consent for the current policy exists, then no consent banner shows', async () => {
    const { page } = await openHome({ consents: [consent('basic', '2026-11')] });

    expect(exists(page, '.consent-banner')).toBe(false);
  });

  test('when the resident comes back after agreeing, then onShow hides the banner', async () => {
    const { mock, app, page } = await openHome({ consents: [] });
    expect(exists(page, '.consent-banner')).toBe(true);

    app.setResident({ id: 'r-1', profileComplete: true, consents: [consent()] });
    page.instance.onShow();
    await settle(mock);

    expect(exists(page, '.consent-banner')).toBe(false);
  });

  test('when the profile is incomplete, then a banner opens the profile form', async () => {
    const { mock, page } = await openHome({ profileComplete: false });

    await fire(mock, page, '.open-me');

    expect(mock.navigations).toEqual([{ api: 'navigateTo', url: '/pages/profile/index', ok: true }]);
  });

  test('when elderly mode is on, then the page root carries the elder class', async () => {
    const mock = wxMock();
    mock.storage.set('elderlyMode', true);
    mock.on('POST', '/api/v1/auth/login', loginOk('t'));
    await launchApp(mock);

    const page = await openPage(mock, 'home');

    expect(rootClasses(page)).toEqual(['page', 'elder']);
  });

  test('when elderly mode is off, then the page root has no elder class', async () => {
    const { page } = await openHome();

    expect(rootClasses(page)).toEqual(['page']);
  });
});
