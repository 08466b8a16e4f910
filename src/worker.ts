import cron from 'node-cron';
import type { AppContext } from './context';
import { purgeIdempotencyKeys } from './http/idempotency';
import { botTasks } from './bot/bot.tasks';
import { modules } from './modules';
import { notifyTasks } from './notify/notify.tasks';
import type { Task } from './task';

/**
 * Every scheduled task of the worker role: the outbox's delivery loops, the platform's clean-ups that
 * FerretDB's missing TTL indexes leave to us, and each module's own tasks. Each task is idempotent, so two
 * workers running one at once is harmless.
 */
export const housekeeping: Task[] = [
  { name: 'idempotency.purge', cron: '23 * * * *', run: purgeIdempotencyKeys },
  ...notifyTasks,
  ...botTasks,
  ...modules.flatMap((m) => m.tasks),
];

/** Whether a task's result reports any work: a non-zero count somewhere in it, or a result that is not a count. */
export function didWork(result: unknown): boolean {
  if (result === undefined || result === null || result === 0 || result === false) return false;
  if (Array.isArray(result)) return result.some(didWork);
  if (typeof result === 'object') return Object.values(result).some(didWork);
  return true;
}

export async function startWorker(app: AppContext, tasks: Task[] = housekeeping): Promise<() => Promise<void>> {
  const scheduled = tasks.map((t) =>
    cron.schedule(
      t.cron,
      () => {
        t.run(app)
          // Delivery loops run every few seconds: a round that found nothing to do is logged at debug only.
          .then((result) => app.logger[didWork(result) ? 'info' : 'debug']({ event: `task.${t.name}`, result }, 'task done'))
          .catch((err) => app.logger.error({ event: `task.${t.name}.failed`, err }, 'task failed'));
      },
      { timezone: 'Asia/Shanghai' },
    ),
  );
  app.logger.info({ event: 'worker.started', tasks: tasks.map((t) => t.name) }, 'worker started');
  return async () => {
    for (const s of scheduled) s.stop();
  };
}
