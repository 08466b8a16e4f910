import { Types } from 'mongoose';
import type { CommandStartedEvent } from 'mongodb';
import { revokeAllFor } from '../../src/modules/sessions/sessions.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { residentLogin, seedVillages, VILLAGE_A } from '../helpers/fixtures';

let t: TestApp;
let commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  t = await startTestApp({ monitorCommands: true });
  t.db.getClient().on('commandStarted', (e) => commands.push(e));
  await seedVillages(t);
}, 30_000);
afterAll(() => t.close());

const me = async (token: string) => {
  commands = [];
  const res = await t.request('GET', '/api/v1/me', { token });
  return { status: res.status, reads: commands.filter((c) => c.commandName === 'find').map((c) => String(c.command.find)) };
};

describe('sessions and residents kept in process', () => {
  test('when a resident asks again within seconds, then neither the session nor the resident is read again', async () => {
    const r = await residentLogin(t, 'cache-1', { village: VILLAGE_A, phone: '13800002222' });
    await me(r.token);
    const warm = await me(r.token);
    expect(warm.status).toBe(200);
    expect(warm.reads).toEqual([]);
  });

  test('when the sessions are revoked or the resident erased, then the next request is refused at once', async () => {
    const a = await residentLogin(t, 'cache-2', { village: VILLAGE_A, phone: '13800003333' });
    expect((await me(a.token)).status).toBe(200);
    await revokeAllFor(t.app, 'resident', new Types.ObjectId(a.id));
    expect((await me(a.token)).status).toBe(401);

    const b = await residentLogin(t, 'cache-3', { village: VILLAGE_A, phone: '13800004444' });
    expect((await me(b.token)).status).toBe(200);
    expect((await t.request('DELETE', '/api/v1/me', { token: b.token })).status).toBeLessThan(300);
    expect((await me(b.token)).status).toBe(401);
  });
});
