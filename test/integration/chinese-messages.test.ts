/** Every validation message a resident or staff member can read comes back in Chinese, zod's defaults included. */
import { z } from '../../src/http/zod';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, staffLogin, VILLAGE_A } from '../helpers/fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
});
afterAll(() => t.close());

const CHINESE = /[\u4e00-\u9fa5]/;

/** Every message string anywhere in an error body. */
function messages(body: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key: string) => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (typeof v === 'string' && key === 'message') out.push(v);
  };
  walk(body, '');
  return out;
}

test('when bad input of every kind reaches resident and staff routes, then every message in the reply is Chinese', async () => {
  const { token } = await residentLogin(t, 'zh', { village: VILLAGE_A });
  const staff = (await staffLogin(t, 'district_admin', '370303')).token;
  const cases: Array<[string, string, { token?: string; body?: unknown }]> = [
    ['POST', '/api/v1/auth/login', { body: {} }],
    ['POST', '/api/v1/auth/login', { body: { code: 12 } }],
    ['POST', '/api/v1/auth/login', { body: { code: 'x'.repeat(500), extra: 1 } }],
    ['PATCH', '/api/v1/me', { token, body: { birthYear: 'abc', sex: 'other', elderlyMode: 'yes' } }],
    ['PATCH', '/api/v1/me', { token, body: { birthYear: 1800, villageCode: '' } }],
    ['POST', '/api/v1/me/consents', { token, body: { purpose: 'everything' } }],
    ['POST', '/api/v1/quiz/practice', { token, body: { count: 1000, topic: 5 } }],
    ['POST', `/api/v1/quiz/attempts/${'a'.repeat(24)}/submit`, { token, body: { answers: [{ questionId: 'short', choice: ['Z'] }] } }],
    ['PUT', `/api/v1/quiz/attempts/${'a'.repeat(24)}/answers`, { token, body: { answers: 'none' } }],
    ['GET', '/api/v1/talks?limit=1000&kind=party', { token }],
    ['POST', `/api/v1/talks/${'a'.repeat(24)}/registrations`, { token, body: { seats: 0 } }],
    ['POST', '/api/v1/me/subscriptions', { token, body: { templateKeys: [], accepted: 'maybe' } }],
    ['POST', '/api/admin/v1/talks', { token: staff, body: { kind: 'lecture', title: '', capacity: -1, startAt: 'tomorrow' } }],
    ['POST', '/api/admin/v1/quiz/contests', { token: staff, body: { title: 'x', drawRules: [] } }],
    ['POST', '/api/admin/v1/staff', { token: staff, body: { username: 'a', password: 'short', role: 'king' } }],
  ];
  const english: string[] = [];
  for (const [method, path, opts] of cases) {
    const res = await t.request(method, path, opts);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const found = messages(res.body);
    expect(found.length).toBeGreaterThan(0);
    english.push(...found.filter((m) => !CHINESE.test(m)).map((m) => `${method} ${path}: ${m}`));
  }
  expect(english).toEqual([]);
});

test("when any of zod's built-in checks fails, then its default message is Chinese", () => {
  const schema = z
    .object({
      s: z.string().min(9),
      l: z.string().max(2),
      e: z.string().length(3),
      n: z.number().int().min(1).max(3),
      m: z.number().multipleOf(5),
      a: z.array(z.string()).min(1),
      en: z.enum(['a', 'b']),
      lit: z.literal('x'),
      u: z.union([z.string(), z.number()]),
      url: z.string().url(),
      d: z.string().datetime(),
      date: z.date(),
      b: z.boolean(),
      re: z.string().regex(/^x$/),
      big: z.number().max(2),
      inf: z.number().finite(),
    })
    .strict();
  const r = schema.safeParse({
    s: 'short',
    l: 'long',
    e: 'ab',
    n: 1.5,
    m: 7,
    a: [],
    en: 'c',
    lit: 'y',
    u: true,
    url: 'no',
    d: 'no',
    date: 'no',
    b: 'no',
    re: 'y',
    big: 3,
    inf: Infinity,
    extra: 1,
  });
  expect(r.success).toBe(false);
  const msgs = r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  expect(msgs.length).toBeGreaterThan(15);
  expect(msgs.filter((m) => !CHINESE.test(m))).toEqual([]);
  expect(z.object({ x: z.string() }).safeParse({}).error?.issues[0]?.message).toBe('必填');
  expect(z.string().min(9).safeParse('abc').error?.issues[0]?.message).toBe('至少 9 个字');
});
