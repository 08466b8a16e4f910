import os from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { AppContext } from '../context';
import { Campaigns, Occurrences, type CampaignDoc } from '../modules/campaigns/campaigns.model';
import { fireOccurrence, occurrenceId, recordSkipped } from '../modules/campaigns/campaigns.service';
import { LeaderLease } from './lease';
import { occurrencesBetween } from './cron';

const MAX_SKIPPED_RECORDED = 50;

export interface TickResult {
  fired: number;
  skipped: number;
}

async function tickCampaign(app: AppContext, c: CampaignDoc, now: Date, graceStart: Date, r: TickResult): Promise<void> {
  const fireOrSkip = async (at: Date, occurrence: string): Promise<void> => {
    if (at >= graceStart) {
      if (await fireOccurrence(app, c, occurrence, at)) r.fired++;
    } else if (await recordSkipped(app, c, occurrence, at)) r.skipped++;
  };
  if (c.schedule.kind === 'now') {
    await fireOccurrence(app, c, 'now', now); // approved but not expanded (the approver crashed): finish it
  } else if (c.schedule.kind === 'once') {
    if (c.schedule.at > now) return;
    await fireOrSkip(c.schedule.at, occurrenceId(c.schedule.at));
    await Campaigns(app.db).updateOne({ _id: c._id, status: { $in: ['approved', 'active'] } }, { $set: { status: 'finished', updatedAt: now } });
  } else {
    const from = c.scanCursor ?? c.approvedAt ?? c.createdAt;
    const to = c.endAt && c.endAt < now ? c.endAt : now;
    const due = occurrencesBetween(c.schedule.cron, from, to);
    // A long outage of a frequent schedule: record only the latest missed ones, not thousands.
    const missed = due.filter((at) => at < graceStart).slice(-MAX_SKIPPED_RECORDED);
    for (const at of [...missed, ...due.filter((x) => x >= graceStart)]) await fireOrSkip(at, occurrenceId(at));
    const finished = c.endAt && c.endAt <= now;
    await Campaigns(app.db).updateOne({ _id: c._id }, { $set: { scanCursor: to, ...(finished ? { status: 'finished', updatedAt: now } : {}) } });
  }
}

/**
 * Fire every due occurrence of approved/active campaigns: within the grace window once, older ones recorded as
 * skipped. Run by the leader only, but safe if two ran: each occurrence is a unique insert and each outbox key
 * is unique. Also completes expansions a crashed worker left half done.
 */
export async function schedulerTick(app: AppContext, graceMin = app.config.SCHEDULER_GRACE_MIN): Promise<TickResult> {
  const now = app.clock.now();
  const graceStart = new Date(now.getTime() - graceMin * 60_000);
  const r: TickResult = { fired: 0, skipped: 0 };
  for (const c of await Campaigns(app.db).find({ status: { $in: ['approved', 'active'] } }).lean()) {
    try {
      await tickCampaign(app, c, now, graceStart, r);
    } catch (err) {
      app.logger.error({ event: 'scheduler.campaign.failed', campaignId: String(c._id), err }, 'campaign tick failed');
    }
  }
  for (const o of await Occurrences(app.db).find({ state: 'fired', expandedAt: { $exists: false } }).limit(100).lean()) {
    const c = await Campaigns(app.db).findById(o.campaignId).lean();
    if (c && c.status !== 'cancelled' && (await fireOccurrence(app, c, o.occurrence, o.scheduledAt))) r.fired++;
  }
  return r;
}

export interface SchedulerHandle {
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
    const rows = await Campaigns(app.db).find({ status: { $in: ['approved', 'active'] }, 'schedule.kind': 'cron' }, { schedule: 1 }).lean();
    const live = new Set<string>();
    for (const c of rows) {
      const id = String(c._id);
      const expr = c.schedule.kind === 'cron' ? c.schedule.cron : '';
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
    const minute = cron.schedule('* * * * *', () => {
      void poke();
      void syncCronTasks().catch((err) => app.logger.error({ event: 'scheduler.sync.failed', err }, 'cron sync failed'));
      void lease.purge().catch(() => undefined);
    }, { timezone: 'Asia/Shanghai' });
    timers.push(() => clearInterval(leaseTimer), () => minute.stop());
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
