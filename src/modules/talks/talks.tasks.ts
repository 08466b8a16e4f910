import type { AppContext } from '../../context';
import type { Task } from '../../task';
import { queueAfterFill, reminderItems } from './reminders';
import { fill } from './queue-walk';
import { Registrations, Talks } from './talks.model';
import { enqueueMany } from '../../notify/outbox.service';
import { runWalkInRetention } from './walkins.service';

const HOUR = 3600_000;

/**
 * Safety net for a process that stopped between two steps: walk the queue of every open session (a crash
 * may leave arrivals undecided or a freed seat unpromoted) and re-queue reminders of confirmed registrations
 * starting within 25 h — enqueue is idempotent by key, so nothing is sent twice.
 */
export async function sweepTalks(app: AppContext): Promise<{ talks: number; reminders: number }> {
  const now = app.clock.now();
  const open = await Talks(app.db)
    .find({ status: { $in: ['published', 'closed'] }, startAt: { $gt: now } })
    .limit(500)
    .lean();
  let reminders = 0;
  for (const talk of open) {
    await fill(app, talk._id, queueAfterFill);
    if (talk.startAt.getTime() - now.getTime() > 25 * HOUR) continue;
    const regs = await Registrations(app.db).find({ talkId: talk._id, status: 'confirmed' }).lean();
    reminders += await enqueueMany(
      app,
      regs.flatMap((r) => reminderItems(app, talk, r)),
    );
  }
  return { talks: open.length, reminders };
}

/** Sessions whose end has passed by a day are finished (check-in and feedback no longer depend on status). */
async function finishPastTalks(app: AppContext): Promise<number> {
  const cutoff = new Date(app.clock.now().getTime() - 24 * HOUR);
  const r = await Talks(app.db).updateMany(
    { status: { $in: ['published', 'closed'] }, endAt: { $lt: cutoff } },
    { $set: { status: 'finished', updatedAt: app.clock.now() } },
  );
  return r.modifiedCount;
}

export const talkTasks: Task[] = [
  { name: 'talks.sweep', cron: '*/10 * * * *', run: sweepTalks },
  { name: 'talks.finish', cron: '41 * * * *', run: finishPastTalks },
  { name: 'talks.walkins.retention', cron: '45 3 * * *', run: runWalkInRetention },
];
