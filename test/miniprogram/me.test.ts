import { loginOk, me } from './helpers/fixtures';
import { launchApp } from './helpers/app';
import { exists, fire, openPage, rootClasses, texts } from './helpers/page';
import { useWxMock, WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

async function openMe(profile: Record<string, unknown> = {}, prepare: (mock: WxMock) => void = () => undefined) {
  const mock = wxMock();
  mock.on('POST', '/api/v1/auth/login', loginOk('me-token'));
  mock.on('GET', '/api/v1/me', { statusCode: 200, data: me(profile) });
  prepare(mock);
  const app = await launchApp(mock);
  const page = await openPage(mock, 'me');
  return { mock, app, page };
}

describe('me page: who I am and where my things are', () => {
  test('when it opens, then name, village, masked phone, sex and birth year show, with one big button to each of my records', async () => {
    const { mock, page } = await openMe();
    expect(texts(page, '.who-name')).toEqual(['王秀英']);
    expect(texts(page, '.village-name')).toEqual(['所在村：南定村']);
    expect(texts(page, '.phone-masked')).toEqual(['手机号：138****5678']);
    expect(texts(page, '.sex-birth')).toEqual(['性别和出生年份：女，1956 年']);
    expect(texts(page, '.link')).toEqual(['修改我的资料', '我的报名（讲座和筛查）', '我的检查结果', '我的唇腭裂救助申请', '我的家庭保险登记', '我的答题证书']);
    const urls: string[] = [];
    for (const node of page.querySelectorAll('.link')) {
      await fire(mock, page, node);
      urls.push(mock.navigations.pop()!.url!);
    }
    expect(urls).toEqual([
      '/pages/profile/index',
      '/pages/talks/mine/index',
      '/pages/screenings/index',
      '/pages/cleft/index',
      '/pages/insurance/index',
      '/pages/quiz-cert/index?mine=1',
    ]);
    expect(mock.navigations).toEqual([]);
  });

  test('when loading fails, then the page says so with a retry (no false empty profile), and retry loads', async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', loginOk('me-token'));
    mock.on('GET', '/api/v1/me', { networkError: 'request:fail timeout' }, { statusCode: 200, data: me() });
    await launchApp(mock);
    const page = await openPage(mock, 'me');
    expect(exists(page, '.load-failed')).toBe(true);
    expect(exists(page, '.who')).toBe(false);
    await fire(mock, page, '.retry');
    expect(exists(page, '.load-failed')).toBe(false);
    expect(texts(page, '.who-name')).toEqual(['王秀英']);
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
  test('when 导出我的全部数据 is tapped, then the whole export is written as a text file with Chinese headings, shown, and can be sent to a chat', async () => {
    const exported = {
      exportedAt: '2026-11-20T00:00:00Z',
      profile: { name: '王秀英', phone: '13812345678', villageName: '南定村', sex: 'female', birthYear: 1956 },
      consentLedger: [{ purpose: 'basic', action: 'grant', policyVersion: '2026-11', guardianRelation: null, at: '2026-11-02T08:00:00.000Z' }],
      talks: {
        registrations: [{ title: '两癌免费筛查', startAt: '2026-12-01T01:30:00.000Z', status: 'confirmed', seats: 1, at: '2026-11-20T00:00:00Z' }],
        attendance: [],
        feedback: [],
      },
    };
    const { mock, page } = await openMe({}, (m) => m.on('GET', '/api/v1/me/export', { statusCode: 200, data: exported }));

    await fire(mock, page, '.export');

    expect(mock.requestsTo('GET', '/api/v1/me/export')[0]?.header.Authorization).toBe('Bearer me-token');
    expect(mock.files.size).toBe(1);
    const [[filePath, text]] = [...mock.files];
    expect(filePath).toMatch(/^wxfile:\/\/usr\/我的数据-\d{8}\.txt$/);
    // the data itself, not counts
    for (const line of [
      '姓名：王秀英',
      '手机号：13812345678',
      '所在村（社区）：南定村',
      '性别：女',
      '出生年份：1956',
      '操作：同意',
      '活动：两癌免费筛查',
      '签到记录：',
    ]) {
      expect(text).toContain(line);
    }
    expect(texts(page, '.export-text')[0]).toContain('姓名：王秀英');

    await fire(mock, page, '.share-export');
    expect(mock.sharedFiles).toEqual([{ filePath, fileName: filePath.split('/').pop() }]);
  });

  test('when the resident confirms deletion, then DELETE /me is sent, the session is cleared and the app restarts at home', async () => {
    const { mock, app, page } = await openMe({}, (m) => m.on('DELETE', '/api/v1/me', { statusCode: 204 }));

    await fire(mock, page, '.delete');

    expect(mock.modals[0]).toMatchObject({ title: '删除我的数据', confirmText: '确定删除', cancelText: '不删除' });
    // before it acts, it says what goes and what stays with the insurer
    expect(mock.modals[0]!.content).toContain('会删除：姓名、手机号');
    expect(mock.modals[0]!.content).toContain('已经出单的保险，保单信息按保险合同由保险公司保存');
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
