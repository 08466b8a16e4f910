import { startTestApp, type TestApp } from '../helpers/app';
import { inWaves } from '../helpers/talks';

jest.setTimeout(120_000);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let n = 0;
const login = (app: TestApp, name: string, code = `user:${name}:${++n}`) => app.request('POST', '/api/v1/auth/login', { body: { code } });

describe('resident login limits', () => {
  test('when 250 residents of one village log in from one NAT address within a minute, then every one gets in', async () => {
    // A pooled keep-alive socket the server has just closed fails before the request is sent: ask again with a new code.
    const res = await inWaves(
      Array.from({ length: 250 }, (_, i) => `village${i}`),
      10,
      (name) => login(t, name).catch(() => login(t, name)),
    );
    expect(res.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
  });

  test('when one WeChat account logs in over and over, then it is stopped after its share and others still get in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(t, 'hammer')).status);
    expect(statuses).toEqual([...Array(10).fill(200), 429, 429]);
    const refused = await login(t, 'hammer');
    expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', message: '操作太频繁，请稍后再试' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(t, 'neighbour')).status).toBe(200);
  });

  test('when one code is sent again and again, then after three tries it is refused before WeChat is asked', async () => {
    const code = `user:looping:${++n}`;
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(t, 'looping', code)).status);
    expect(statuses[0]).toBe(200);
    expect(statuses.slice(1, 3).every((s) => s !== 200 && s !== 429)).toBe(true); // WeChat: code been used
    expect(statuses.slice(3)).toEqual([429, 429]);
  });
});
