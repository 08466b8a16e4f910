import cron from 'node-cron';
import type { AppContext } from './context';
import { purgeIdempotencyKeys } from './http/idempotency';
import { purgeExpiredSessions } from './modules/sessions/sessions.service';
import { talkTasks } from './modules/talks/talks.tasks';

/** A scheduled task: a function of the context that logs one fixed event name. */
export interface Task {
  name: string;
  cron: string;
  run(ctx: AppContext): Promise<unknown>;
}

/** Housekeeping that FerretDB's missing TTL indexes leave to us; every task is idempotent. */
export const housekeeping: Task[] = [
  { name: 'sessions.purge', cron: '17 * * * *', run: purgeExpiredSessions },
  { name: 'idempotency.purge', cron: '23 * * * *', run: purgeIdempotencyKeys },
];

export async function startWorker(ctx: AppContext, tasks: Task[] = [...housekeeping, ...talkTasks]): Promise<() => Promise<void>> {
  const scheduled = tasks.map((t) =>
    cron.schedule(
      t.cron,
      () => {
        t.run(ctx)
          .then((result) => ctx.logger.info({ event: `task.${t.name}`, result }, 'task done'))
          .catch((err) => ctx.logger.error({ event: `task.${t.name}.failed`, err }, 'task failed'));
      },
      { timezone: 'Asia/Shanghai' },
    ),
  );
  ctx.logger.info({ event: 'worker.started', tasks: tasks.map((t) => t.name) }, 'worker started');
  return async () => {
    for (const s of scheduled) s.stop();
  };
}
