import { createStaff } from '../../src/modules/staff/staff.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedVillages, staffLogin, TOWN_MS, TOWN_ND, VILLAGE_A, VILLAGE_C } from '../helpers/fixtures';

// Passwords staff may use, and the first sign-in with a password someone else chose.
let t: TestApp;
let town: { token: string; id: string };
let otherTown: { token: string; id: string };

beforeAll(async () => {
  t = await startTestApp();
  await seedVillages(t);
  town = await staffLogin(t, 'town_admin', TOWN_MS, 'ms-admin');
  otherTown = await staffLogin(t, 'town_admin', TOWN_ND, 'nd-admin');
});
afterAll(() => t.close());

const login = (username: string, password: string) => t.request('POST', '/api/admin/v1/auth/login', { body: { username, password } });

describe('common passwords', () => {
  test('when the README’s old sample or another common password is chosen, then it is refused beside the field, at creation, reset and change', async () => {
    await expect(createStaff(t.app, { username: 'admin', password: 'a-long-password', role: 'district_admin', areaCode: '370303' })).rejects.toMatchObject({
      code: 'WEAK_PASSWORD',
    });
    for (const password of ['a-long-password', 'Password123', 'qwertyuiop', '1234567890', 'aaaaaaaaaaaa']) {
      const res = await t.request('POST', '/api/admin/v1/staff', {
        token: town.token,
        body: { username: 'weak-one', password, role: 'village_worker', areaCode: VILLAGE_A },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([{ path: 'password', message: expect.stringMatching(/常见|数字或同一个字符/) }]);
    }
    expect((await login('weak-one', 'a-long-password')).status).toBe(401);

    const w = await staffLogin(t, 'village_worker', VILLAGE_A, 'keeps-hers');
    const reset = await t.request('POST', `/api/admin/v1/staff/${w.id}/reset-password`, { token: town.token, body: { password: 'admin123456' } });
    expect(reset.body.error.details).toEqual([{ path: 'password', message: '这个密码太常见，容易被猜到，请换一个' }]);
    const change = await t.request('POST', '/api/admin/v1/me/password', {
      token: w.token,
      body: { currentPassword: 'correct-horse-battery', newPassword: 'p@ssw0rd123' },
    });
    expect(change.body.error.details).toEqual([{ path: 'newPassword', message: '这个密码太常见，容易被猜到，请换一个' }]);
  });
});

describe('first sign-in with an initial password', () => {
  test('when a manager made the account, then its first session may only set a new password; after that everything works and the flag is gone', async () => {
    const made = await t.request('POST', '/api/admin/v1/staff', {
      token: town.token,
      body: { username: 'new-worker', password: 'given-by-town-1', role: 'village_worker', areaCode: VILLAGE_A },
    });
    expect(made.status).toBe(201);
    expect(made.body.mustChangePassword).toBe(true);

    const first = await login('new-worker', 'given-by-town-1');
    expect(first.body.staff.mustChangePassword).toBe(true);
    const token: string = first.body.token;
    expect((await t.request('GET', '/api/admin/v1/me', { token })).body.mustChangePassword).toBe(true);
    const blocked = await t.request('GET', '/api/admin/v1/talks', { token });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('PASSWORD_CHANGE_REQUIRED');

    const changed = await t.request('POST', '/api/admin/v1/me/password', {
      token,
      body: { currentPassword: 'given-by-town-1', newPassword: 'my-own-secret-42' },
    });
    expect(changed.status).toBe(200);
    const fresh: string = changed.body.token;
    expect((await t.request('GET', '/api/admin/v1/talks', { token: fresh })).status).toBe(200);
    expect((await t.request('GET', '/api/admin/v1/me', { token: fresh })).body).not.toHaveProperty('mustChangePassword');
    expect((await login('new-worker', 'my-own-secret-42')).body.staff).not.toHaveProperty('mustChangePassword');

    // a reset by the manager asks again; another town's admin cannot reset at all
    expect(
      (await t.request('POST', `/api/admin/v1/staff/${made.body.id}/reset-password`, { token: otherTown.token, body: { password: 'from-elsewhere-9' } }))
        .status,
    ).toBe(404);
    expect(
      (await t.request('POST', `/api/admin/v1/staff/${made.body.id}/reset-password`, { token: town.token, body: { password: 'reset-by-town-7' } })).body
        .mustChangePassword,
    ).toBe(true);
    expect((await login('new-worker', 'reset-by-town-7')).body.staff.mustChangePassword).toBe(true);
  });

  test('when an account was made on the command line by its owner, then nothing is asked', async () => {
    await createStaff(t.app, { username: 'cli-made', password: 'chosen-by-me-11', role: 'village_worker', areaCode: VILLAGE_C });
    expect((await login('cli-made', 'chosen-by-me-11')).body.staff).not.toHaveProperty('mustChangePassword');
  });
});
