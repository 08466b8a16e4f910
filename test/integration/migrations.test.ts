import { Migrations, migrationId, runMigrations, type Migration } from '../../src/db/migrations';
import { modules } from '../../src/modules';
import { startTestApp, type TestApp } from '../helpers/app';

jest.setTimeout(60_000);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const counting = (name: string, body: (n: number) => Promise<void> = async () => undefined) => {
  const m = { name, version: 1, runs: 0, run: async () => body(++m.runs) };
  return m;
};
const one = (migration: Migration) => [{ module: 'test', migration }];

describe('migrations', () => {
  test('when the database was prepared, then every module migration is recorded as done', async () => {
    const declared = modules.flatMap((m) => (m.migrations ?? []).map((x) => migrationId(m.name, x)));
    expect(declared).toEqual(expect.arrayContaining(['talks.resident-entries@1', 'quiz.figures@2']));
    const done = await Migrations(t.db)
      .find({ _id: { $in: declared } })
      .lean();
    expect(done.map((d) => [d._id, d.state]).sort()).toEqual(declared.map((id) => [id, 'done']).sort());
  });

  test('when a migration ran, then it is recorded and a later start does not run it again; a new version runs', async () => {
    const m = counting('once');
    expect(await runMigrations(t.app, one(m))).toEqual({ ran: ['test.once@1'] });
    expect(await runMigrations(t.app, one(m))).toEqual({ ran: [] });
    expect(m.runs).toBe(1);
    const doc = await Migrations(t.db).findById('test.once@1').lean();
    expect(doc).toMatchObject({ state: 'done', doneAt: expect.any(Date) });
    expect(doc!.leaseUntil).toBeUndefined();
    expect(await runMigrations(t.app, one({ ...m, version: 2 }))).toEqual({ ran: ['test.once@2'] });
    expect(m.runs).toBe(2);
  });

  test('when two processes start together, then the unique key lets one run it and the other waits until it is done', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const m = counting('race', () => gate);
    const a = runMigrations(t.app, one(m), { owner: 'a', pollMs: 20 });
    const b = runMigrations(t.app, one(m), { owner: 'b', pollMs: 20 });
    let bDone = false;
    void b.then(() => (bDone = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(m.runs).toBe(1);
    expect(bDone).toBe(false);
    release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(m.runs).toBe(1);
    expect([...ra.ran, ...rb.ran]).toEqual(['test.race@1']);
    expect(await Migrations(t.db).findById('test.race@1').lean()).toMatchObject({ state: 'done' });
  });

  test('when a migration fails, then it is not recorded, the start fails, and the next start runs it again', async () => {
    const m = counting('flaky', async (n) => {
      if (n === 1) throw new Error('disk full');
    });
    await expect(runMigrations(t.app, one(m))).rejects.toThrow('disk full');
    expect(await Migrations(t.db).findById('test.flaky@1').lean()).toBeNull();
    expect(await runMigrations(t.app, one(m))).toEqual({ ran: ['test.flaky@1'] });
    expect(m.runs).toBe(2);
  });

  test('when the process holding a claim died, then its lease runs out and another start runs the migration', async () => {
    await Migrations(t.db).create({ _id: 'test.orphan@1', state: 'running', owner: 'gone', startedAt: new Date(), leaseUntil: new Date(Date.now() + 200) });
    const m = counting('orphan');
    expect(await runMigrations(t.app, one(m), { pollMs: 20 })).toEqual({ ran: ['test.orphan@1'] });
    expect(m.runs).toBe(1);
  });

  test('while a migration runs longer than its lease, then its runner renews it and no other process takes it over', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const m = counting('long', () => gate);
    const a = runMigrations(t.app, one(m), { owner: 'a', leaseMs: 150, pollMs: 20 });
    await new Promise((r) => setTimeout(r, 50));
    const b = runMigrations(t.app, one(m), { owner: 'b', leaseMs: 150, pollMs: 20 });
    await new Promise((r) => setTimeout(r, 500));
    expect(m.runs).toBe(1);
    release();
    await Promise.all([a, b]);
    expect(m.runs).toBe(1);
  });
});
