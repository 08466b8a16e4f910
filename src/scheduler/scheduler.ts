import os from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { AppContext } from '../context';
import { cronSchedules, schedulerTick } from '../modules/campaigns';
import { LeaderLease } from './lease';

interface SchedulerHandle {
  lease: LeaderLease;
  /** Check the lease and, when leading, tick; returns whether this process leads. */
  poke(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * The worker role's scheduler: a lease check every quarter slot, a tick every minute and at each campaign's own
 * cron time (node-cron, Asia/Shanghai), and a catch-up tick at start.
 */
export async function startScheduler(app: AppContext, opts: { holder?: string; timers?: boolean } = {}): Promise<SchedulerHandle> {
  const holder = opts.holder ?? `${os.hostname()}:${process.pid}`;
  const lease = new LeaderLease(app, 'campaigns', holder, app.config.SCHEDULER_LEASE_MS);
  let busy: Promise<boolean> | null = null;
  const poke = (): Promise<boolean> =>
    (busy ??= (async () => {
      try {
        if (!(await lease.check())) return false;
        const r = await schedulerTick(app);
        if (r.fired || r.skipped) app.logger.info({ event: 'scheduler.tick', ...r }, 'scheduler tick');
        return true;
      } catch (err) {
        app.logger.error({ event: 'scheduler.failed', err }, 'scheduler tick failed');
        return false;
      } finally {
        busy = null;
      }
    })());

  const perCampaign = new Map<string, { cron: string; task: ScheduledTask }>();
  const syncCronTasks = async (): Promise<void> => {
    const live = new Set<string>();
    for (const { id, cron: expr } of await cronSchedules(app)) {
      live.add(id);
      if (perCampaign.get(id)?.cron === expr || !cron.validate(expr)) continue;
      perCampaign.get(id)?.task.stop();
      perCampaign.set(id, { cron: expr, task: cron.schedule(expr, () => void poke(), { timezone: 'Asia/Shanghai' }) });
    }
    for (const [id, t] of perCampaign) {
      if (live.has(id)) continue;
      t.task.stop();
      perCampaign.delete(id);
    }
  };

  const timers: Array<() => void> = [];
  if (opts.timers !== false) {
    const leaseTimer = setInterval(() => void poke(), Math.max(1000, app.config.SCHEDULER_LEASE_MS / 4));
    const minute = cron.schedule(
      '* * * * *',
      () => {
        void poke();
        void syncCronTasks().catch((err) => app.logger.error({ event: 'scheduler.sync.failed', err }, 'cron sync failed'));
        void lease.purge().catch(() => undefined);
      },
      { timezone: 'Asia/Shanghai' },
    );
    timers.push(
      () => clearInterval(leaseTimer),
      () => minute.stop(),
    );
    await syncCronTasks();
  }
  await poke();
  app.logger.info({ event: 'scheduler.started', holder }, 'scheduler started');
  return {
    lease,
    poke,
    async stop() {
      for (const t of timers) t();
      for (const t of perCampaign.values()) t.task.stop();
      await busy;
      await lease.release().catch(() => undefined);
    },
  };
}
