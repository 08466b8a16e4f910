import { z } from '../../src/http/zod';
import { AppError } from '../../src/http/errors';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin } from '../helpers/fixtures';

let t: TestApp;
let calls = 0;
beforeAll(async () => {
  t = await startTestApp({
    extraRoutes: (api) => {
      api.route({ method: 'get', path: '/test/bug', summary: 'throws', tags: ['test'], auth: 'none', handler: async () => {
        throw new Error('secret internal detail at /srv/db.ts:42');
      } });
      api.route({ method: 'post', path: '/test/create', summary: 'counts', tags: ['test'], auth: 'resident', idempotent: true, status: 201,
        body: z.object({ n: z.number().int() }).strict(),
        handler: async (_ctx, { body }) => {
          calls++;
          await new Promise((r) => setTimeout(r, 30));
          if (body.n < 0) throw new AppError('NEGATIVE', 422, '不能为负数');
          return { n: body.n, call: calls };
        } });
    },
  });
});
afterAll(() => t.close());

describe('platform routes', () => {
  test('when /healthz and /readyz are asked, then both are up', async () => {
    expect((await t.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.request('GET', '/readyz')).body).toEqual({ status: 'ready' });
  });

  test('when an unknown route is asked, then 404 in the error shape', async () => {
    const res = await t.request('GET', '/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  test('when a handler throws a bug, then 500 with no internals in the body', async () => {
    const res = await t.request('GET', '/test/bug');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('INTERNAL');
    expect(JSON.stringify(res.body)).not.toMatch(/secret|srv|stack|\.ts/);
  });

  test('when a request comes in, then a request id is returned, and a sane incoming one is kept', async () => {
    const res = await t.request('GET', '/healthz', { headers: { 'x-request-id': 'abc12345-req' } });
    expect(res.headers.get('x-request-id')).toBe('abc12345-req');
    const bad = await t.request('GET', '/healthz', { headers: { 'x-request-id': '<script>' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('when responses are sent, then security headers are set', async () => {
    const res = await t.request('GET', '/healthz');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  test('when /metrics is scraped after requests, then request counts by route and process metrics are there', async () => {
    await t.request('GET', '/healthz');
    const res = await t.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(res.body).toContain('http_request_duration_seconds_bucket');
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });

  test('when the OpenAPI document is read, then it lists resident and staff routes with their schemas', async () => {
    const res = await t.request('GET', '/api/openapi.json');
    expect(res.body.openapi).toBe('3.0.3');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/me', '/api/admin/v1/auth/login', '/api/admin/v1/residents/{id}', '/api/v1/areas']));
    const patch = res.body.paths['/api/v1/me'].patch;
    expect(patch.requestBody.content['application/json'].schema.$ref ?? patch.requestBody.content['application/json'].schema.properties).toBeTruthy();
    expect(res.body.components.securitySchemes.staffToken).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('idempotency', () => {
  test('when a creating request is retried with the same key, then the first result comes back and the work ran once', async () => {
    const { token } = await residentLogin(t);
    const before = calls;
    const headers = { 'idempotency-key': 'key-000001' };
    const [a, b] = await Promise.all([
      t.request('POST', '/test/create', { token, body: { n: 1 }, headers }),
      new Promise((r) => setTimeout(r, 5)).then(() => t.request('POST', '/test/create', { token, body: { n: 1 }, headers })),
    ]);
    // the second arrives while the first runs: 409, never a second run
    expect(a.status).toBe(201);
    expect([201, 409]).toContain(b.status);
    const c = await t.request('POST', '/test/create', { token, body: { n: 1 }, headers });
    expect(c.status).toBe(201);
    expect(c.body).toEqual(a.body);
    expect(calls - before).toBe(1);
  });

  test('when the first result was a 4xx, then the retry gets the same error', async () => {
    const { token } = await residentLogin(t);
    const headers = { 'idempotency-key': 'key-neg-0001' };
    const a = await t.request('POST', '/test/create', { token, body: { n: -1 }, headers });
    const b = await t.request('POST', '/test/create', { token, body: { n: -1 }, headers });
    expect(a.status).toBe(422);
    expect(b).toMatchObject({ status: 422, body: a.body });
  });

  test('when two residents use the same key, then they do not see each other\'s results', async () => {
    const r1 = await residentLogin(t);
    const r2 = await residentLogin(t);
    const headers = { 'idempotency-key': 'shared-key-1' };
    const a = await t.request('POST', '/test/create', { token: r1.token, body: { n: 5 }, headers });
    const b = await t.request('POST', '/test/create', { token: r2.token, body: { n: 6 }, headers });
    expect(a.body.n).toBe(5);
    expect(b.body.n).toBe(6);
  });
});
