import type { Connection, Model, Types } from 'mongoose';
import type { AppContext } from '../context';
import type { PiiCrypto } from '../lib/pii';
import type { Migration } from '../db/migrations';
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
  /** Data work done once per database (backfills), after the indexes; each recorded when it succeeded. */
  migrations?: readonly Migration[];
  /** What `npm run rotate-keys` must know beyond sealed strings, which it finds in every collection by their shape. */
  keys?: ModuleKeys;
}

/** A blind index stored in a module's documents, and the plain value it is computed from. */
export interface BlindIndexField {
  model: (conn: Connection) => Model<any>;
  /** When the index sits in each element of an array of subdocuments: that array's field. */
  array?: string;
  field: string;
  purpose: string;
  /** The plain value of a document (or array element), or null when its personal data is erased. */
  source(pii: PiiCrypto, doc: any): string | null;
}

export interface ModuleKeys {
  /** Photo records `{ fileId, keyId }` whose files are sealed in a GridFS bucket. */
  sealedFiles?: ReadonlyArray<{ model: (conn: Connection) => Model<any>; bucket: string }>;
  blindIndexes?: readonly BlindIndexField[];
  /** Documents keyed by a blind index (unique keys), rebuilt after the fields: new key written before the old is dropped. */
  rebuildIndexKeys?(app: AppContext): Promise<{ updated: number; conflicts: number }>;
}
