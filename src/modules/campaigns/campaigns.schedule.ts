import type { AppContext } from '../../context';
import { occurrencesBetween } from '../../lib/cron';
import { Campaigns, Occurrences, type CampaignDoc } from './campaigns.model';
import { fireOccurrence, occurrenceId, recordSkipped } from './campaigns.service';

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
  for (const c of await Campaigns(app.db)
    .find({ status: { $in: ['approved', 'active'] } })
    .lean()) {
    try {
      await tickCampaign(app, c, now, graceStart, r);
    } catch (err) {
      app.logger.error({ event: 'scheduler.campaign.failed', campaignId: String(c._id), err }, 'campaign tick failed');
    }
  }
  for (const o of await Occurrences(app.db)
    .find({ state: 'fired', expandedAt: { $exists: false } })
    .limit(100)
    .lean()) {
    const c = await Campaigns(app.db).findById(o.campaignId).lean();
    if (c && c.status !== 'cancelled' && (await fireOccurrence(app, c, o.occurrence, o.scheduledAt))) r.fired++;
  }
  return r;
}

/** The cron schedules of approved and active campaigns, which the scheduler registers with node-cron. */
export async function cronSchedules(app: AppContext): Promise<Array<{ id: string; cron: string }>> {
  const rows = await Campaigns(app.db)
    .find({ status: { $in: ['approved', 'active'] }, 'schedule.kind': 'cron' }, { schedule: 1 })
    .lean();
  return rows.map((c) => ({ id: String(c._id), cron: c.schedule.kind === 'cron' ? c.schedule.cron : '' }));
}
