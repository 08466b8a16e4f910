import type { AppContext } from '../../context';
import type { Task } from '../../task';
import { BindCodes } from './rooms.model';
import { ChatBroadcasts } from './chat-broadcasts.model';

async function purgeExpiredCodes(app: AppContext): Promise<number> {
  const before = new Date(app.clock.now().getTime() - 7 * 24 * 3600_000);
  const a = await BindCodes(app.db).deleteMany({ expiresAt: { $lt: before } });
  const b = await ChatBroadcasts(app.db).deleteMany({ expiresAt: { $lt: before } });
  return a.deletedCount + b.deletedCount;
}

/** Idempotent clean-ups the missing TTL indexes leave to us; safe on every worker. */
export const campaignTasks: Task[] = [{ name: 'bot.codes.purge', cron: '47 3 * * *', run: purgeExpiredCodes }];
