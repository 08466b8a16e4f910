import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import Router from '@koa/router';
import { Api } from '../../src/http/route';
import { IsoDateTime, z } from '../../src/http/zod';
import { AppError } from '../../src/http/errors';
import { accessPorts } from '../../src/modules';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin } from '../helpers/fixtures';

let t: TestApp;
let calls = 0;
beforeAll(async () => {
  t = await startTestApp({
    extraRoutes: (api) => {
      api.route({
        method: 'get',
        path: '/test/bug',
        summary: 'throws',
        tags: ['test'],
        auth: 'none',
        response: z.object({}),
        handler: async () => {
          throw new Error('secret internal detail at /srv/db.ts:42');
        },
      });
      api.route({
        method: 'post',
        path: '/test/create',
        summary: 'counts',
        tags: ['test'],
        auth: 'resident',
        idempotent: true,
        status: 201,
        body: z.object({ n: z.number().int() }).strict(),
        response: z.object({ n: z.number().int(), call: z.number().int() }),
        handler: async (_ctx, { body }) => {
          calls++;
          await new Promise((r) => setTimeout(r, 30));
          if (body.n < 0) throw new AppError('VALIDATION_FAILED', 422, '不能为负数');
          return { n: body.n, call: calls };
        },
      });
      const Reply = z.object({ id: z.string(), at: IsoDateTime, phoneMasked: z.string().nullable(), note: z.string().optional() });
      const reply = (over: Record<string, unknown>) => async () => ({ id: 'r1', at: new Date('2026-11-28T02:00:00Z'), phoneMasked: '138****5678', ...over });
      api.route({
        method: 'get',
        path: '/test/contract/kept',
        summary: 'keeps its contract',
        tags: ['test'],
        auth: 'none',
        response: Reply,
        handler: reply({ note: undefined }),
      });
      api.route({
        method: 'get',
        path: '/test/contract/leak',
        summary: 'sends an undeclared field',
        tags: ['test'],
        auth: 'none',
        response: Reply,
        handler: reply({ phone: '13812345678' }),
      });
      api.route({
        method: 'get',
        path: '/test/contract/type',
        summary: 'sends a wrong type',
        tags: ['test'],
        auth: 'none',
        response: Reply,
        handler: reply({ at: 'yesterday' }),
      });
      api.route({
        method: 'get',
        path: '/test/contract/missing',
        summary: 'misses a field',
        tags: ['test'],
        auth: 'none',
        response: Reply,
        handler: async () => ({ id: 'r1', at: new Date() }),
      });
    },
  });
});
afterAll(() => t.close());

describe('response contracts', () => {
  test('when a handler returns what its schema declares (dates as Date, undefined fields), then the reply goes out', async () => {
    const res = await t.request('GET', '/test/contract/kept');
    expect([res.status, res.body]).toEqual([200, { id: 'r1', at: '2026-11-28T02:00:00.000Z', phoneMasked: '138****5678' }]);
  });

  test.each([
    ['a field the schema does not declare (an unmasked phone)', '/test/contract/leak', 'phone'],
    ['a field of the wrong type', '/test/contract/type', 'at'],
    ['a missing field', '/test/contract/missing', 'phoneMasked'],
  ])('when a handler returns %s, then the request fails with 500 naming the field', async (_label, path, field) => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const res = await t.request('GET', path);
    stderr.mockRestore();
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('RESPONSE_CONTRACT');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(JSON.stringify(res.body)).not.toContain('13812345678');
  });

  test('when a route declares no response schema, then registering it fails at startup', () => {
    const noResponse = {
      method: 'get',
      path: '/test/contract/none',
      summary: 'no contract',
      tags: ['test'],
      auth: 'none',
      handler: async () => ({}),
    } as unknown as Parameters<Api['route']>[0];
    const api = new Api(t.app, accessPorts, new Router(), new OpenAPIRegistry());
    expect(() => api.route(noResponse)).toThrow('GET /test/contract/none declares no response schema');
  });

  test('when the OpenAPI document is read, then every JSON route describes its success reply', async () => {
    const doc = (await t.request('GET', '/api/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    const undescribed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => {
        const [status, ok] = Object.entries(op.responses).find(([code]) => /^2/.test(code))!;
        return status === '204' || ok.content ? [] : [`${method} ${path}`];
      }),
    );
    expect(undescribed).toEqual([]);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(50);
  });
});

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

  test('when routes are matched by their path group, then case, a trailing slash, 405 and OPTIONS answer as one router would', async () => {
    const { token } = await residentLogin(t, 'routing');
    expect((await t.request('GET', '/api/v1/me', { token })).status).toBe(200);
    expect((await t.request('GET', '/API/V1/Me/', { token })).status).toBe(200);
    const wrong = await t.request('PUT', '/api/v1/me', { token });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH']);
    const options = await t.request('OPTIONS', '/api/v1/me');
    expect([options.status, options.headers.get('allow')?.split(', ').sort()]).toEqual([200, ['DELETE', 'GET', 'HEAD', 'PATCH']]);
    expect((await t.request('GET', '/api/v1/me/registrations?limit=5', { token })).status).toBe(200);
    // routes outside any group: short paths, patterns
    expect((await t.request('GET', '/healthz/')).status).toBe(200);
    expect((await t.request('GET', '/test/contract/kept')).status).toBe(200);
    expect((await t.request('GET', '/api/openapi.json')).status).toBe(200);
    expect((await t.request('GET', '/api/admin/v1/nope')).status).toBe(404);
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
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/me', '/api/admin/v1/auth/login', '/api/admin/v1/residents/{id}', '/api/v1/areas']),
    );
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
    // whichever arrives second while the other runs gets 409 (or, once it finished, the same 201): never a second run
    const first = a.status === 201 ? a : b;
    const other = first === a ? b : a;
    expect(first.status).toBe(201);
    expect([201, 409]).toContain(other.status);
    if (other.status === 201) expect(other.body).toEqual(first.body);
    const c = await t.request('POST', '/test/create', { token, body: { n: 1 }, headers });
    expect(c.status).toBe(201);
    expect(c.body).toEqual(first.body);
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

  test("when two residents use the same key, then they do not see each other's results", async () => {
    const r1 = await residentLogin(t);
    const r2 = await residentLogin(t);
    const headers = { 'idempotency-key': 'shared-key-1' };
    const a = await t.request('POST', '/test/create', { token: r1.token, body: { n: 5 }, headers });
    const b = await t.request('POST', '/test/create', { token: r2.token, body: { n: 6 }, headers });
    expect(a.body.n).toBe(5);
    expect(b.body.n).toBe(6);
  });
});
