import { Types } from 'mongoose';
import { Residents, ConsentEvents } from '../../src/modules/residents/residents.model';
import { AuditLog } from '../../src/modules/audit/audit.model';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, VILLAGE_A } from '../helpers/fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
});
afterAll(() => t.close());
beforeEach(() => t.wechat.reset());

describe('resident login', () => {
  test('when the code is valid, then a token and a new resident come back, without session_key', async () => {
    const res = await t.request('POST', '/api/v1/auth/login', { body: { code: 'user:alice:1' } });
    expect(res.status).toBe(200);
    expect(res.body.token).toMatch(/^[\w-]{40,}$/);
    expect(res.body.resident).toEqual({ id: expect.any(String), profileComplete: false, consents: [] });
    expect(JSON.stringify(res.body)).not.toMatch(/session_key|sessionKey|o-alice/);
    const stored = await Residents(t.db).findOne({ openid: 'o-alice' }).lean();
    expect(String(stored?._id)).toBe(res.body.resident.id);
  });

  test('when the same person logs in twice, then it is the same resident', async () => {
    const a = await t.request('POST', '/api/v1/auth/login', { body: { code: 'user:bob:1' } });
    const b = await t.request('POST', '/api/v1/auth/login', { body: { code: 'user:bob:2' } });
    expect(a.body.resident.id).toBe(b.body.resident.id);
    expect(a.body.token).not.toBe(b.body.token);
  });

  test.each([
    [40029, 400, 'WECHAT_CODE_INVALID'],
    [40163, 400, 'WECHAT_CODE_USED'],
    [45011, 429, 'WECHAT_RATE_LIMITED'],
    [40226, 403, 'WECHAT_USER_BLOCKED'],
  ])('when WeChat answers %i, then the resident gets %i %s and nothing is stored', async (errcode, status, code) => {
    const before = await Residents(t.db).countDocuments();
    t.wechat.failNext('jscode2session', errcode);
    const res = await t.request('POST', '/api/v1/auth/login', { body: { code: `user:err${errcode}:1` } });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(/[\u4e00-\u9fa5]/);
    expect(await Residents(t.db).countDocuments()).toBe(before);
  });

  test('when a code is reused, then WeChat says 40163 and the login is refused', async () => {
    expect((await t.request('POST', '/api/v1/auth/login', { body: { code: 'user:carol:1' } })).status).toBe(200);
    const res = await t.request('POST', '/api/v1/auth/login', { body: { code: 'user:carol:1' } });
    expect(res.body.error.code).toBe('WECHAT_CODE_USED');
  });

  test('when WeChat is busy once (-1), then the client retries and login succeeds', async () => {
    t.wechat.failNext('jscode2session', -1, 1);
    const res = await t.request('POST', '/api/v1/auth/login', { body: { code: 'user:dave:1' } });
    expect(res.status).toBe(200);
  });

  test('when WeChat stays busy, then 503 WECHAT_UNAVAILABLE', async () => {
    t.wechat.failNext('jscode2session', -1, 3);
    const res = await t.request('POST', '/api/v1/auth/login', { body: { code: 'user:erin:1' } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('WECHAT_UNAVAILABLE');
  });

  test('when the body has unknown fields, then 400 and no WeChat call', async () => {
    const res = await t.request('POST', '/api/v1/auth/login', { body: { code: 'user:x:1', admin: true } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(t.wechat.calls).toHaveLength(0);
  });
});

describe('tokens', () => {
  test('when no or a bad token is sent, then 401 in the error shape', async () => {
    expect((await t.request('GET', '/api/v1/me')).body.error.code).toBe('UNAUTHORIZED');
    expect((await t.request('GET', '/api/v1/me', { token: 'x'.repeat(43) })).status).toBe(401);
  });

  test('when the token has expired, then 401', async () => {
    const { token } = await residentLogin(t);
    expect((await t.request('GET', '/api/v1/me', { token })).status).toBe(200);
    t.clock.advance((t.app.config.TOKEN_TTL_HOURS + 1) * 3600_000);
    try {
      expect((await t.request('GET', '/api/v1/me', { token })).status).toBe(401);
    } finally {
      t.clock.advance(-(t.app.config.TOKEN_TTL_HOURS + 1) * 3600_000);
    }
  });

  test('when the resident erases their data, then every token is revoked', async () => {
    const { token } = await residentLogin(t, 'eraser', { consent: true });
    const res = await t.request('DELETE', '/api/v1/me', { token });
    expect(res.status).toBe(204);
    expect((await t.request('GET', '/api/v1/me', { token })).status).toBe(401);
  });
});

describe('consent and profile', () => {
  test('when basic consent is missing, then profile fields cannot be written', async () => {
    const { token, id } = await residentLogin(t);
    const res = await t.request('PATCH', '/api/v1/me', { token, body: { name: '张三' } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'CONSENT_REQUIRED', details: { purpose: 'basic' } });
    const r = await Residents(t.db).findById(id).lean();
    expect(r?.nameEnc).toBeUndefined();
  });

  test('when consent is given, then it is in the ledger and the profile can be filled; the phone comes back masked', async () => {
    const { token, id } = await residentLogin(t);
    const c = await t.request('POST', '/api/v1/me/consents', { token, body: { purpose: 'basic', policyVersion: t.app.config.POLICY_VERSION } });
    expect(c.status).toBe(201);
    expect(c.body.consents).toEqual([{ purpose: 'basic', policyVersion: '2026-11', grantedAt: expect.any(String) }]);
    const res = await t.request('PATCH', '/api/v1/me', { token, body: { name: '李秀英', villageCode: VILLAGE_A, phone: '13812345678', elderlyMode: true } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: '李秀英',
      villageCode: VILLAGE_A,
      villageName: '东村',
      phoneMasked: '138****5678',
      elderlyMode: true,
      profileComplete: true,
    });
    expect(await ConsentEvents(t.db).countDocuments({ residentId: new Types.ObjectId(id), purpose: 'basic', action: 'grant' })).toBe(1);
  });

  test('when the policy version is old, then consent is refused with the current version', async () => {
    const { token } = await residentLogin(t);
    const res = await t.request('POST', '/api/v1/me/consents', { token, body: { purpose: 'basic', policyVersion: '2020-01' } });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ current: '2026-11' });
  });

  test('when consent is withdrawn, then the ledger has both events and writing is gated again', async () => {
    const { token, id } = await residentLogin(t, undefined, { consent: true });
    const w = await t.request('DELETE', '/api/v1/me/consents/basic', { token });
    expect(w.status).toBe(200);
    expect(w.body.consents).toEqual([]);
    expect((await t.request('PATCH', '/api/v1/me', { token, body: { name: '王五' } })).status).toBe(403);
    const actions = (
      await ConsentEvents(t.db)
        .find({ residentId: new Types.ObjectId(id) })
        .sort({ at: 1, _id: 1 })
        .lean()
    ).map((e) => e.action);
    expect(actions).toEqual(['grant', 'withdraw']);
  });

  test('when child-data consent lacks the guardian relation, then 400', async () => {
    const { token } = await residentLogin(t, undefined, { consent: true });
    const res = await t.request('POST', '/api/v1/me/consents', { token, body: { purpose: 'child-data', policyVersion: '2026-11' } });
    expect(res.status).toBe(400);
    const ok = await t.request('POST', '/api/v1/me/consents', { token, body: { purpose: 'child-data', policyVersion: '2026-11', guardianRelation: '母亲' } });
    expect(ok.status).toBe(201);
  });

  test.each([
    ['a town is not a village', { villageCode: '370303-JD-MS' }, 'INVALID_VILLAGE'],
    ['an unknown village', { villageCode: 'nope-0000' }, 'INVALID_VILLAGE'],
    ['a bad phone', { phone: '12345' }, 'VALIDATION_FAILED'],
    ['a landline-like phone', { phone: '02812345678' }, 'VALIDATION_FAILED'],
    ['an unknown field', { nickname: 'x' }, 'VALIDATION_FAILED'],
    ['a wrong type', { elderlyMode: 'yes' }, 'VALIDATION_FAILED'],
    ['a too long name', { name: '张'.repeat(21) }, 'VALIDATION_FAILED'],
  ])('when the profile has %s, then 400 %s and nothing is written', async (_label, body, code) => {
    const { token, id } = await residentLogin(t, undefined, { consent: true });
    const before = await Residents(t.db).findById(id).lean();
    const res = await t.request('PATCH', '/api/v1/me', { token, body: { name: '赵六', ...body } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: expect.any(String), message: expect.any(String) })]);
    expect(await Residents(t.db).findById(id).lean()).toEqual(before);
  });

  test('when the body is oversized, then 413 in the error shape', async () => {
    const { token } = await residentLogin(t, undefined, { consent: true });
    const res = await t.request('PATCH', '/api/v1/me', {
      token,
      raw: JSON.stringify({ name: 'x'.repeat(200_000) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('when the body is not JSON, then 415 or 400 and nothing is written', async () => {
    const { token } = await residentLogin(t, undefined, { consent: true });
    const form = await t.request('PATCH', '/api/v1/me', { token, raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const broken = await t.request('PATCH', '/api/v1/me', { token, raw: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('INVALID_JSON');
  });

  test('when the phone comes from getPhoneNumber, then it is stored sealed and shown masked', async () => {
    const { token, id } = await residentLogin(t, undefined, { consent: true });
    const res = await t.request('POST', '/api/v1/me/phone', { token, body: { code: 'phone:13900001111:1' } });
    expect(res.status).toBe(200);
    expect(res.body.phoneMasked).toBe('139****1111');
    const raw = await t.db.collection('residents').findOne({ _id: new Types.ObjectId(id) });
    expect(JSON.stringify(raw)).not.toContain('13900001111');
    expect(raw?.phoneIndex).toBe(t.app.pii.blindIndex('phone', '13900001111'));
  });

  test('when the phone code is invalid, then 400 and the phone is unchanged', async () => {
    const { token } = await residentLogin(t, undefined, { consent: true });
    const res = await t.request('POST', '/api/v1/me/phone', { token, body: { code: 'bad-code' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WECHAT_CODE_INVALID');
  });

  test('when the access token is invalidated (40001), then the client refreshes and the call succeeds', async () => {
    const { token } = await residentLogin(t, undefined, { consent: true });
    expect((await t.request('POST', '/api/v1/me/phone', { token, body: { code: 'phone:13900002222:1' } })).status).toBe(200);
    t.wechat.invalidateTokens();
    const res = await t.request('POST', '/api/v1/me/phone', { token, body: { code: 'phone:13900003333:1' } });
    expect(res.status).toBe(200);
    expect(res.body.phoneMasked).toBe('139****3333');
  });
});

describe('personal data at rest and PIPL rights', () => {
  test('when a profile is saved, then the raw document holds no plaintext name or phone', async () => {
    const { id } = await residentLogin(t, undefined, { village: VILLAGE_A, phone: '13722223333', realName: '孙丽' });
    const raw = await t.db.collection('residents').findOne({ _id: new Types.ObjectId(id) });
    const text = JSON.stringify(raw);
    expect(text).not.toContain('13722223333');
    expect(text).not.toContain('孙丽');
    expect(raw?.nameEnc).toMatch(/^k1\./);
  });

  test('when the resident exports, then all their data comes back in full and the export is audited', async () => {
    const { token, id } = await residentLogin(t, undefined, { village: VILLAGE_A, phone: '13733334444', realName: '周强' });
    const res = await t.request('GET', '/api/v1/me/export', { token });
    expect(res.status).toBe(200);
    expect(res.body.profile).toMatchObject({ id, name: '周强', phone: '13733334444', villageCode: VILLAGE_A });
    expect(res.body.consentLedger).toEqual([expect.objectContaining({ purpose: 'basic', action: 'grant' })]);
    expect(await AuditLog(t.db).countDocuments({ action: 'resident.export_self', targetId: id })).toBe(1);
  });

  test('when the resident erases, then personal fields are gone, the village stays, and a new login is a new resident', async () => {
    const { token, id } = await residentLogin(t, 'leaver', { village: VILLAGE_A, phone: '13744445555', realName: '吴敏' });
    expect((await t.request('DELETE', '/api/v1/me', { token })).status).toBe(204);
    const raw = await Residents(t.db).findById(id).lean();
    expect(raw).toMatchObject({ villageCode: VILLAGE_A, erasedAt: expect.any(Date) });
    expect(raw?.nameEnc).toBeUndefined();
    expect(raw?.phoneEnc).toBeUndefined();
    expect(raw?.openid).not.toBe('o-leaver');
    const again = await t.request('POST', '/api/v1/auth/login', { body: { code: 'user:leaver:99' } });
    expect(again.body.resident.id).not.toBe(id);
  });
});

describe('areas', () => {
  test('when the picker asks for a town, then its villages come back', async () => {
    const res = await t.request('GET', '/api/v1/areas?parent=370303-JD-MS');
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: { name: string }) => a.name).sort()).toEqual(['东村', '西村']);
  });
  test('when the picker asks for the district, then the 13 towns and subdistricts come back', async () => {
    const res = await t.request('GET', '/api/v1/areas?parent=370303');
    expect(res.body.items).toHaveLength(13);
    expect(res.body.items.map((a: { name: string }) => a.name)).toContain('马尚街道');
  });
});
