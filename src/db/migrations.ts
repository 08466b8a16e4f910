import os from 'node:os';
import { Schema } from 'mongoose';
import type { AppContext } from '../context';
import { defineModel, isDuplicateKey } from './model';

/**
 * Data work a module does once on a database (a backfill, a recount): named and versioned, run at start and
 * recorded when it succeeded. A new version of the same name runs again.
 */
export interface Migration {
  /** Unique within its module. */
  name: string;
  version: number;
  run(app: AppContext): Promise<void>;
}

interface MigrationDoc {
  /** `<module>.<name>@<version>`: the unique key decides which process runs it when two start together. */
  _id: string;
  state: 'running' | 'done';
  owner: string;
  startedAt: Date;
  /** While running: the runner renews it; a claim left past it (its process died) is taken over. */
  leaseUntil?: Date;
  doneAt?: Date;
}

export const Migrations = defineModel<MigrationDoc>(
  'Migration',
  new Schema<MigrationDoc>(
    {
      _id: String,
      state: { type: String, enum: ['running', 'done'], required: true },
      owner: { type: String, required: true },
      startedAt: { type: Date, required: true },
      leaseUntil: Date,
      doneAt: Date,
    },
    { collection: 'migrations' },
  ),
);

export const migrationId = (module: string, m: Migration): string => `${module}.${m.name}@${m.version}`;

export interface MigrationOptions {
  /** How long a claim holds without renewal (real time; renewed at a third of it). */
  leaseMs?: number;
  /** How often a process waiting for another's run looks again. */
  pollMs?: number;
  owner?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run each module's migrations not yet recorded, in list order. FerretDB has no transactions, so a claim is an
 * insert keyed by the migration: the process whose insert went in runs it, another waits until it is recorded
 * (or takes over a claim whose lease ran out). A migration that throws is not recorded (its claim is removed)
 * and the error stops the start; the next start runs it again.
 */
export async function runMigrations(
  app: AppContext,
  list: ReadonlyArray<{ module: string; migration: Migration }>,
  opts: MigrationOptions = {},
): Promise<{ ran: string[] }> {
  const leaseMs = opts.leaseMs ?? 60_000;
  const pollMs = opts.pollMs ?? 500;
  const owner = opts.owner ?? `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const coll = Migrations(app.db);
  const ran: string[] = [];
  for (const { module, migration } of list) {
    const _id = migrationId(module, migration);
    for (;;) {
      const claimed = await coll.create({ _id, state: 'running', owner, startedAt: app.clock.now(), leaseUntil: new Date(Date.now() + leaseMs) }).then(
        () => true,
        (err: unknown) => {
          if (isDuplicateKey(err)) return false;
          throw err;
        },
      );
      if (claimed) {
        await runClaimed(app, _id, owner, migration, leaseMs);
        ran.push(_id);
        break;
      }
      const doc = await coll.findById(_id).lean();
      if (doc?.state === 'done') break;
      // Another process runs it (wait), or its process died: its claim is removed and claimed afresh.
      if (doc && doc.leaseUntil && doc.leaseUntil.getTime() < Date.now()) await coll.deleteOne({ _id, owner: doc.owner, leaseUntil: doc.leaseUntil });
      else if (doc) await sleep(pollMs);
    }
  }
  return { ran };
}

async function runClaimed(app: AppContext, _id: string, owner: string, migration: Migration, leaseMs: number): Promise<void> {
  const coll = Migrations(app.db);
  const renew = setInterval(
    () => {
      coll.updateOne({ _id, owner, state: 'running' }, { $set: { leaseUntil: new Date(Date.now() + leaseMs) } }).catch(() => undefined);
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  renew.unref();
  const started = Date.now();
  try {
    await migration.run(app);
  } catch (err) {
    clearInterval(renew);
    await coll.deleteOne({ _id, owner });
    app.logger.error({ err, event: 'db.migration.failed', migration: _id }, 'migration failed; it runs again at the next start');
    throw err;
  }
  clearInterval(renew);
  await coll.updateOne({ _id, owner }, { $set: { state: 'done', doneAt: app.clock.now() }, $unset: { leaseUntil: 1 } });
  app.logger.info({ event: 'db.migration.done', migration: _id, ms: Date.now() - started }, 'migration done');
}
