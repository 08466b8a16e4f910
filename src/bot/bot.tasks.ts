import type { Task } from '../task';
import { purgeProcessedMessages } from '../modules/campaigns';

/** Processed-message ids older than a week can no longer be replayed: trimmed daily (no TTL indexes on FerretDB). */
export const botTasks: Task[] = [{ name: 'bot.processed.purge', cron: '41 3 * * *', run: purgeProcessedMessages }];
