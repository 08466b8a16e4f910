import { staffCaller, type Caller, type StaffPrincipal, type StaffRole } from '../../src/access';
import { accessPorts } from '../../src/modules';
import { Areas } from '../../src/modules/areas/areas.model';
import { BotRooms } from '../../src/modules/campaigns/rooms.model';
import { importVillages } from '../../src/modules/areas/areas.service';
import { createStaff } from '../../src/modules/staff/staff.service';
import type { TestApp } from './app';

export const TOWN_MS = '370303-JD-MS';
export const TOWN_ND = '370303-Z-ND';
export const VILLAGE_A = '370303-JD-MS-va';
export const VILLAGE_B = '370303-JD-MS-vb';
export const VILLAGE_C = '370303-Z-ND-vc';

/** Three villages: two under 马尚街道, one under 南定镇. */
export async function seedVillages(t: TestApp): Promise<void> {
  await importVillages(
    t.app,
    'json',
    JSON.stringify([
      { name: '东村', parentCode: TOWN_MS, code: VILLAGE_A },
      { name: '西村', parentCode: TOWN_MS, code: VILLAGE_B },
      { name: '南村', parentCode: TOWN_ND, code: VILLAGE_C },
    ]),
  );
}

let seq = 0;
/** Log a resident in through the fake WeChat server; optionally consent and fill the profile. */
export async function residentLogin(t: TestApp, name = `r${++seq}`, opts: { consent?: boolean; village?: string; phone?: string; realName?: string } = {}) {
  const res = await t.request('POST', '/api/v1/auth/login', { body: { code: `user:${name}:${++seq}` } });
  if (res.status !== 200) throw new Error(`login failed: ${JSON.stringify(res.body)}`);
  const token: string = res.body.token;
  if (opts.consent || opts.village || opts.phone) {
    await t.request('POST', '/api/v1/me/consents', { token, body: { purpose: 'basic', policyVersion: t.app.config.POLICY_VERSION } });
  }
  if (opts.village || opts.phone || opts.realName) {
    const patch = await t.request('PATCH', '/api/v1/me', {
      token,
      body: {
        ...(opts.village ? { villageCode: opts.village } : {}),
        ...(opts.phone ? { phone: opts.phone } : {}),
        ...(opts.realName ? { name: opts.realName } : {}),
      },
    });
    if (patch.status !== 200) throw new Error(`profile failed: ${JSON.stringify(patch.body)}`);
  }
  return { token, id: String(res.body.resident.id) };
}

/** Create a staff member directly and log in through the API. */
export async function staffLogin(t: TestApp, role: StaffRole, areaCode: string, username = `s${++seq}`): Promise<{ token: string; id: string }> {
  const password = 'correct-horse-battery';
  const s = await createStaff(t.app, { username, password, role, areaCode });
  const res = await t.request('POST', '/api/admin/v1/auth/login', { body: { username, password } });
  if (res.status !== 200) throw new Error(`staff login failed: ${JSON.stringify(res.body)}`);
  return { token: res.body.token, id: s.id };
}

/** A staff member as the caller of a service, built as a request builds it: its audit records go to the app's log. */
export function callerFor(t: TestApp, staff: StaffPrincipal, ip?: string): Caller {
  return staffCaller(t.app, staff, accessPorts.audit, ip);
}

/** Group records bound to an area, as binding a group with a code leaves them (binding itself is tested with the bot). */
export async function boundGroups(t: TestApp, areaCode: string, topics: string[]): Promise<string[]> {
  const area = (await Areas(t.db).findOne({ code: areaCode }).lean())!;
  const now = t.clock.now();
  const ids: string[] = [];
  for (const topic of topics) {
    const doc = await BotRooms(t.db).create({
      wxRoomId: `fixture-${areaCode}-${topic}`,
      topic,
      areaCode,
      areaPath: area.path,
      areaName: area.name,
      boundBy: { contactId: 'fixture', code: 'FIXTURE' },
      boundAt: now,
      active: true,
      updatedAt: now,
    });
    ids.push(String(doc._id));
  }
  return ids;
}
