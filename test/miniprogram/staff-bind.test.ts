import { launchApp } from './helpers/app';
import { errorReply, loginOk } from './helpers/fixtures';
import { exists, fire, openPage, texts } from './helpers/page';
import { useWxMock, type WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

async function open(mock: WxMock, query: Record<string, string> = {}) {
  mock.on('POST', '/api/v1/auth/login', loginOk('tok'));
  await launchApp(mock);
  return openPage(mock, 'staff-bind', query);
}

describe('staff bind', () => {
  test('when opened from the console code, then one tap confirms that code and the message for the bot is shown', async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/staff-bind', {
      statusCode: 200,
      data: { staffName: '马尚街道管理员', botCommand: '绑定 AB23CD45', expiresAt: '2099-01-01T00:00:00.000Z' },
    });
    const page = await open(mock, { scene: encodeURIComponent('sb=ab23cd45') });
    expect(mock.requestsTo('POST', '/api/v1/staff-bind')).toEqual([]); // nothing happens before the tap
    await fire(mock, page, '.confirm');
    expect(mock.requestsTo('POST', '/api/v1/staff-bind')[0]!.data).toEqual({ code: 'AB23CD45' });
    expect(texts(page, '.big')).toEqual(['✓ 已确认：马尚街道管理员']);
    expect(texts(page, '.command')).toEqual(['绑定 AB23CD45']);
    expect(exists(page, '.confirm')).toBe(false);
  });

  test("when the code has expired, then the server's message is shown and the code can be typed again", async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/staff-bind', errorReply(410, 'BIND_CODE_EXPIRED', '二维码已过期，请在管理后台重新生成'));
    const page = await open(mock);
    await fire(mock, page, '.confirm');
    expect(texts(page, '.fail')).toEqual(['请输入管理后台显示的 8 位绑定码']);
    expect(mock.requestsTo('POST', '/api/v1/staff-bind')).toEqual([]);
    await fire(mock, page, '.code-input', 'input', { value: 'zz23cd45' });
    await fire(mock, page, '.confirm');
    expect(texts(page, '.fail')).toEqual(['二维码已过期，请在管理后台重新生成']);
    expect(exists(page, '.confirm')).toBe(true);
  });
});
