import type { Task } from '../../worker';
import { purgeProcessedMessages } from '../../bot/status';
import type { AppContext } from '../../context';
import { BindCodes } from './rooms.model';
import { ChatBroadcasts } from './chat-broadcasts.model';

async function purgeExpiredCodes(ctx: AppContext): Promise<number> {
  const before = new Date(ctx.clock.now().getTime() - 7 * 24 * 3600_000);
  const a = await BindCodes(ctx.db).deleteMany({ expiresAt: { $lt: before } });
  const b = await ChatBroadcasts(ctx.db).deleteMany({ expiresAt: { $lt: before } });
  return a.deletedCount + b.deletedCount;
}

/** Idempotent clean-ups the missing TTL indexes leave to us; safe on every worker. */
export const campaignTasks: Task[] = [
  { name: 'bot.processed.purge', cron: '41 3 * * *', run: purgeProcessedMessages },
  { name: 'bot.codes.purge', cron: '47 3 * * *', run: purgeExpiredCodes },
];
