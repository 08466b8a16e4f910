import { CareFamilies } from '../../src/modules/care/care.model';
import { queueOverdueReminders } from '../../src/modules/care/care.service';
import { Outbox } from '../../src/notify/outbox.model';
import { VILLAGE_A } from '../helpers/fixtures';
import { World } from './world';

jest.setTimeout(60_000);
let w: World;
beforeAll(async () => {
  w = await World.create();
});
afterAll(() => w.close());

test('when visits are overdue, then each responsible worker with a linked WeChat gets one private reminder a day, with a count and no names', async () => {
  const workerPhone = w.contact('东村网格员');
  const corePhone = w.contact('东村骨干');
  const worker = await w.staff('village_worker', VILLAGE_A, workerPhone.id);
  const core = await w.staff('village_worker', VILLAGE_A, corePhone.id);
  const unlinked = await w.staff('village_worker', VILLAGE_A);
  const token = async (username: string) =>
    (await w.t.request('POST', '/api/admin/v1/auth/login', { body: { username, password: 'correct-horse-battery' } })).body.token as string;
  const [wt, ut] = [await token(worker.username), await token(unlinked.username)];
  const [group] = await w.rooms(1, VILLAGE_A, '东村大群');
  const register = (tok: string, name: string, paired?: string) =>
    w.t.request('POST', '/api/admin/v1/care/families', {
      token: tok,
      body: {
        type: 'liushou_elder',
        villageCode: VILLAGE_A,
        contact: { name },
        members: [],
        needs: '独居',
        consent: { method: 'in_person' },
        ...(paired ? { pairedStaffId: paired } : {}),
      },
    });
  for (const name of ['孙奶奶', '周爷爷']) expect((await register(wt, name, core.id)).status).toBe(201);
  expect((await register(ut, '吴奶奶')).status).toBe(201);
  expect(await queueOverdueReminders(w.t.app)).toEqual({ queued: 0 }); // nothing due yet

  // A month and a bit later every family is due for a visit.
  await CareFamilies(w.t.db).updateMany({}, { $set: { nextVisitDue: new Date(w.t.clock.now().getTime() - 86_400_000) } });
  expect(await queueOverdueReminders(w.t.app)).toEqual({ queued: 2 }); // the unlinked worker has no WeChat to write to
  expect(await queueOverdueReminders(w.t.app)).toEqual({ queued: 0 }); // once a day
  await w.drain();
  const text = '您好，您负责的关怀家庭中有 2 户已到走访时间，请安排走访，并在工作台登记走访记录。';
  expect(w.said(workerPhone.id)).toEqual([text]);
  expect(w.said(corePhone.id)).toEqual([text]);
  expect(w.said(group!.room.id)).toEqual([]); // never in groups
  for (const said of [...w.heard.values()].flat()) for (const name of ['孙奶奶', '周爷爷', '吴奶奶']) expect(said).not.toContain(name);

  // The next day it comes again if still overdue.
  w.t.clock.advance(86_400_000);
  expect(await queueOverdueReminders(w.t.app)).toEqual({ queued: 2 });
  expect(await Outbox(w.t.db).countDocuments({ key: /^care:overdue:/ })).toBe(4);
});
