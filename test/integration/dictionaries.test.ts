/** GET /api/v1/dictionaries: every label clients show, public and cacheable, as the OpenAPI document describes it. */
import fs from 'node:fs';
import path from 'node:path';
import { dictionaries } from '../../src/dictionaries';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('GET /api/v1/dictionaries', () => {
  test('when anyone asks without a token, then every dictionary comes with its title and labels in order, cacheable', async () => {
    const res = await t.request('GET', '/api/v1/dictionaries');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(dictionaries).sort());
    for (const [name, d] of Object.entries(dictionaries)) {
      expect(res.body[name].title).toBe(d.title);
      expect(Object.entries(res.body[name].labels)).toEqual(Object.entries(d.labels));
    }
    expect(res.body.talkKind.labels).toEqual({ lecture: '健康讲座', screening: '筛查', checkup: '体检', youth: '青春健康', other: '其他' });
    expect(res.body.householdSituation.labels.dibao).toBe('低保户');
    expect(res.body.auditAction.labels['staff.login']).toBe('登录');
    expect(res.body.errorCode.labels.TALK_FULL).toBe('名额已满');
  });

  test('when the OpenAPI document is read, then the reply schema names every value with its label', async () => {
    const doc = (await t.request('GET', '/api/openapi.json')).body;
    const op = doc.paths['/api/v1/dictionaries'].get;
    expect(op.security ?? []).toEqual([]);
    expect(op.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Dictionaries');
    const schema = doc.components.schemas.Dictionaries;
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(dictionaries).sort());
    const kinds = schema.properties.talkKind.properties.labels.properties;
    expect(Object.keys(kinds)).toEqual([...dictionaries.talkKind.values]);
    expect(kinds.youth.enum).toEqual(['青春健康']);
  });

  test('when a client is built, then its generated dictionaries are the reply (npm run api:types --check keeps them so)', async () => {
    const reply = (await t.request('GET', '/api/v1/dictionaries')).body;
    for (const file of ['console/src/api/dictionaries.ts', 'miniprogram/services/dictionaries.ts']) {
      const text = fs.readFileSync(path.join(__dirname, '../..', file), 'utf8');
      const json = text.slice(text.indexOf('= {') + 2, text.indexOf('} as const;') + 1);
      expect(JSON.parse(json)).toEqual(reply);
    }
  });
});
