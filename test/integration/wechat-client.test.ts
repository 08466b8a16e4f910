import { WeChatClient } from '../../src/wechat/client';
import { WeChatError } from '../../src/wechat/errors';
import { createLogger } from '../../src/logger';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());
beforeEach(() => t.wechat.reset());

const client = (retries = 2) =>
  new WeChatClient({
    baseURL: t.wechat.url,
    appid: 'wx-test',
    secret: 's',
    timeoutMs: 1000,
    logger: createLogger('silent'),
    clock: { now: () => new Date() },
    db: t.db,
    retries,
  });

const tokenFetches = () => t.wechat.calls.filter((c) => c.path === '/cgi-bin/stable_token').length;

describe('WeChat client', () => {
  test('when two instances need a token, then the second takes it from the shared cache', async () => {
    await client().sendSubscribeMessage({ touser: 'o-a', templateId: 'tpl', data: { thing1: { value: 'x' } } });
    await client().sendSubscribeMessage({ touser: 'o-b', templateId: 'tpl', data: { thing1: { value: 'y' } } });
    expect(tokenFetches()).toBe(1);
    expect(t.wechat.sent.map((s) => s.touser)).toEqual(['o-a', 'o-b']);
  });

  test('when concurrent calls find no token, then one fetch serves them all', async () => {
    await t.db.collection('wechattokens').deleteMany({});
    const c = client();
    await Promise.all(Array.from({ length: 5 }, (_, i) => c.sendSubscribeMessage({ touser: `o-${i}`, templateId: 'tpl', data: {} })));
    expect(tokenFetches()).toBe(1);
  });

  test('when the token is rejected with 40001, then it is refreshed once and the call retried once', async () => {
    const c = client();
    await c.sendSubscribeMessage({ touser: 'o-a', templateId: 'tpl', data: {} });
    t.wechat.invalidateTokens();
    await c.sendSubscribeMessage({ touser: 'o-b', templateId: 'tpl', data: {} });
    expect(t.wechat.sent.map((s) => s.touser)).toEqual(['o-a', 'o-b']);
  });

  test('when WeChat answers a business error, then it is not retried and carries the errcode', async () => {
    t.wechat.unsubscribed.add('o-refused');
    const err = await client()
      .sendSubscribeMessage({ touser: 'o-refused', templateId: 'tpl', data: {} })
      .catch((e) => e);
    expect(err).toBeInstanceOf(WeChatError);
    expect(err.errcode).toBe(43101);
    expect(t.wechat.calls.filter((c) => c.path === '/cgi-bin/message/subscribe/send')).toHaveLength(1);
  });

  test('when WeChat is busy beyond the retries, then -1 surfaces after retries+1 calls', async () => {
    t.wechat.failNext('jscode2session', -1, 5);
    const err = await client(2)
      .code2Session('user:z:1')
      .catch((e) => e);
    expect(err.errcode).toBe(-1);
    expect(t.wechat.calls.filter((c) => c.path === '/sns/jscode2session')).toHaveLength(3);
  });

  test('when the server cannot be reached, then a network error (-2) after bounded retries', async () => {
    const c = new WeChatClient({
      baseURL: 'http://127.0.0.1:1',
      appid: 'a',
      secret: 's',
      timeoutMs: 200,
      logger: createLogger('silent'),
      clock: { now: () => new Date() },
      db: t.db,
      retries: 1,
    });
    const err = await c.code2Session('x').catch((e) => e);
    expect(err).toBeInstanceOf(WeChatError);
    expect(err.errcode).toBe(-2);
  });

  test('when a mini-program code is asked, then image bytes come back; a bad scene is 40169', async () => {
    const png = await client().wxacodeUnlimited('t=abc', 'pages/talks/checkin');
    expect(png.subarray(0, 4).toString('hex')).toBe('89504e47');
    const err = await client()
      .wxacodeUnlimited('bad scene with spaces', 'pages/x')
      .catch((e) => e);
    expect(err.errcode).toBe(40169);
  });

  test('when content is checked, then suggest is passed through', async () => {
    expect((await client().msgSecCheck('o-a', '讲得很好')).suggest).toBe('pass');
    expect((await client().msgSecCheck('o-a', '违禁内容')).suggest).toBe('risky');
  });
});
