import { Writable } from 'node:stream';
import cron from 'node-cron';
import type { AppContext } from '../../src/context';
import { createLogger } from '../../src/logger';
import type { Task } from '../../src/task';
import { didWork, housekeeping, startWorker } from '../../src/worker';

describe('worker', () => {
  test('when the worker role starts, then every task has its own name and a valid schedule', () => {
    const names = housekeeping.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const t of housekeeping) expect(cron.validate(t.cron)).toBe(true);
  });

  test('when a task runs or fails, then its fixed event name is logged, and after stop it runs no more', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    const app = { logger } as AppContext;
    let runs = 0;
    const tasks: Task[] = [
      {
        name: 'demo.ok',
        cron: '* * * * * *',
        run: async (a) => {
          expect(a).toBe(app);
          runs++;
          return { n: runs };
        },
      },
      {
        name: 'demo.bad',
        cron: '* * * * * *',
        run: async () => {
          throw new Error('boom');
        },
      },
    ];
    const stop = await startWorker(app, tasks);
    const events = () => lines.map((l) => (JSON.parse(l) as { event: string }).event);
    for (let i = 0; i < 40 && !(events().includes('task.demo.ok') && events().includes('task.demo.bad.failed')); i++)
      await new Promise((r) => setTimeout(r, 100));
    await stop();
    expect(events()).toEqual(expect.arrayContaining(['worker.started', 'task.demo.ok', 'task.demo.bad.failed']));
    const after = runs;
    await new Promise((r) => setTimeout(r, 1200));
    expect(runs).toBe(after);
  });

  test('when a round finds nothing to do, then it is not logged at info; a round that did something is', async () => {
    expect([undefined, null, 0, false, { sent: 0, dead: 0 }, [], [{ n: 0 }], { a: { b: 0 } }].map(didWork)).toEqual(Array(8).fill(false));
    expect([1, { sent: 0, dead: 2 }, [{ n: 3 }], 'leader elsewhere', true].map(didWork)).toEqual(Array(5).fill(true));

    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    const tasks: Task[] = [
      { name: 'demo.idle', cron: '* * * * * *', run: async () => ({ sent: 0 }) },
      { name: 'demo.busy', cron: '* * * * * *', run: async () => ({ sent: 1 }) },
    ];
    const stop = await startWorker({ logger } as AppContext, tasks);
    const events = () => lines.map((l) => (JSON.parse(l) as { event: string }).event);
    for (let i = 0; i < 40 && !events().includes('task.demo.busy'); i++) await new Promise((r) => setTimeout(r, 100));
    await stop();
    expect(events()).toContain('task.demo.busy');
    expect(events()).not.toContain('task.demo.idle');
  });
});
