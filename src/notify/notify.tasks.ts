import type { Task } from '../task';
import { reapExpiredClaims } from './outbox.service';
import { deliverSubscribe } from './subscribe.channel';

/** The outbox's own loops: subscribe messages of every module go out here, and claims of dead workers expire. */
export const notifyTasks: Task[] = [
  { name: 'subscribe.deliver', cron: '*/5 * * * * *', run: (app) => deliverSubscribe(app) },
  { name: 'outbox.reap', cron: '*/2 * * * *', run: reapExpiredClaims },
];
