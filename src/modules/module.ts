import type { Types } from 'mongoose';
import type { AppContext } from '../context';
import type { Api } from '../http/route';
import type { Task } from '../task';

/**
 * A module's share of a resident's data (registrations, attempts, referrals…), so "export my data" and
 * "erase me" cover everything without the residents module knowing the others.
 */
export interface ResidentDataSection {
  name: string;
  export(app: AppContext, residentId: Types.ObjectId): Promise<unknown>;
  /** Remove or anonymise personal fields; keep what anonymous statistics need. */
  erase(app: AppContext, residentId: Types.ObjectId): Promise<void>;
  /** The resident changed their name (already stored): a module showing it elsewhere updates what it shows. */
  renamed?(app: AppContext, residentId: Types.ObjectId, name: string): Promise<void>;
}

/**
 * A domain module as one object, the way a Wechaty plugin is one function: its HTTP routes, its scheduled
 * tasks and its share of a resident's data. `src/modules/index.ts` lists them all.
 */
export interface AppModule {
  name: string;
  routes(api: Api): void;
  tasks: readonly Task[];
  residentData: readonly ResidentDataSection[];
  /** Start-up work on indexes the model schemas cannot declare; runs after every model's indexes exist. */
  indexes?(app: AppContext): Promise<void>;
}
