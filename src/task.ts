import type { AppContext } from './context';

/** A scheduled task: a function of the context that logs one fixed event name. */
export interface Task {
  name: string;
  cron: string;
  run(app: AppContext): Promise<unknown>;
}
