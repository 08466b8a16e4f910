import cron from 'node-cron';
import type { AppContext } from './context';
import { purgeIdempotencyKeys } from './http/idempotency';
import { insuranceTasks } from './modules/insurance/insurance.tasks';
import { referralTasks } from './modules/referrals/referrals.retention';
import { purgeExpiredSessions } from './modules/sessions/sessions.service';
import { campaignTasks } from './modules/campaigns/campaigns.tasks';
import { talkTasks } from './modules/talks/talks.tasks';
import { reportsModule } from './modules/reports';

/** A scheduled task: a function of the context that logs one fixed event name. */
export interface Task {
  name: string;
  cron: string;
  run(ctx: AppContext): Promise<unknown>;
}

/**
 * Every scheduled task of the worker role: delivery loops, module sweeps, and the cleanup that FerretDB's
 * missing TTL indexes leave to us. Each task is idempotent, so two workers running one at once is harmless.
 */
export const housekeeping: Task[] = [
  { name: 'sessions.purge', cron: '17 * * * *', run: purgeExpiredSessions },
  { name: 'idempotency.purge', cron: '23 * * * *', run: purgeIdempotencyKeys },
  ...referralTasks,
  ...insuranceTasks,
  ...campaignTasks,
  ...talkTasks,
  ...reportsModule.tasks,
];

export async function startWorker(ctx: AppContext, tasks: Task[] = housekeeping): Promise<() => Promise<void>> {
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
