import { Types } from 'mongoose';
import type { AppContext } from '../context';
import { collectionOf, insertWins, removeHeld } from '../db/coordination';
import { insertManyKeyed } from '../db/model';
import { Outbox, OutboxClaims, type OutboxChannel, type OutboxItemDoc } from './outbox.model';

export interface EnqueueInput {
  key: string;
  channel: OutboxChannel;
  payload: Record<string, unknown>;
  notBefore?: Date;
  maxAttempts?: number;
  source?: Record<string, string>;
  areaPath?: string[];
}

/** Queue a message once: a second enqueue with the same key is a no-op (returns created=false). */
export async function enqueue(app: AppContext, input: EnqueueInput): Promise<{ created: boolean }> {
  const created = await insertWins(() =>
    Outbox(app.db).create({
      key: input.key,
      channel: input.channel,
      payload: input.payload,
      status: 'pending',
      notBefore: input.notBefore ?? app.clock.now(),
      attempts: 0,
      maxAttempts: input.maxAttempts ?? 5,
      source: input.source ?? {},
      areaPath: input.areaPath ?? [],
      createdAt: app.clock.now(),
    }),
  );
  return { created };
}

/**
 * Many at once (campaign expansion, reminders after a walk); duplicates are skipped, the rest inserted, by the
 * driver in one command (no document objects: this is on the sign-up path). Returns how many were new.
 */
export async function enqueueMany(app: AppContext, inputs: EnqueueInput[]): Promise<number> {
  if (!inputs.length) return 0;
  const now = app.clock.now();
  const docs: OutboxItemDoc[] = inputs.map((i) => ({
    _id: new Types.ObjectId(),
    key: i.key,
    channel: i.channel,
    payload: i.payload,
    status: 'pending',
    notBefore: i.notBefore ?? now,
    attempts: 0,
    maxAttempts: i.maxAttempts ?? 5,
    source: i.source ?? {},
    areaPath: i.areaPath ?? [],
    createdAt: now,
  }));
  const refused = await insertManyKeyed(Outbox(app.db).collection, docs);
  return docs.length - refused.size;
}

/** Cancel pending items by key prefix source (e.g. a cancelled talk's reminders). */
export async function cancelPending(app: AppContext, filter: Record<string, unknown>): Promise<number> {
  const r = await Outbox(app.db).updateMany({ ...filter, status: 'pending' }, { $set: { status: 'cancelled' } });
  return r.modifiedCount;
}

export type SendOutcome =
  | { result: 'sent' }
  /** Temporary failure: try again later with backoff. */
  | { result: 'retry'; error: string }
  /** Permanent failure: no point retrying. */
  | { result: 'dead'; error: string }
  /** Not attempted now (no send slot): the claim is given back unused and the round ends. */
  | { result: 'later' };

interface DeliveryOptions {
  channel: OutboxChannel;
  worker: string;
  batch?: number;
  leaseMs?: number;
  /** Backoff base (default 30 s), doubled per attempt, with jitter. */
  backoffMs?: number;
  extraFilter?: Record<string, unknown>;
  random?: () => number;
}

/**
 * One delivery round: pick due items, claim each attempt by inserting a claim document (the unique `_id`
 * decides between workers — no status flip), send, then record the outcome. An item claimed by someone else
 * (or stranded by a dead worker until its lease is reaped) is passed over and delays only itself; a send
 * that answers `later` (the rate governor has no slot) gives its claim back and ends the round.
 */
export async function deliverDue(
  app: AppContext,
  opts: DeliveryOptions,
  send: (item: OutboxItemDoc) => Promise<SendOutcome>,
): Promise<{ sent: number; retried: number; dead: number; skipped: number }> {
  const now = app.clock.now();
  const stats = { sent: 0, retried: 0, dead: 0, skipped: 0 };
  const due = await Outbox(app.db)
    .find({ channel: opts.channel, status: 'pending', notBefore: { $lte: now }, ...opts.extraFilter })
    .sort({ notBefore: 1, _id: 1 })
    .limit(opts.batch ?? 50)
    .lean();
  for (const item of due) {
    if (!(await claim(app, item, opts.worker, opts.leaseMs ?? 120_000))) {
      stats.skipped++;
      continue;
    }
    let outcome: SendOutcome;
    try {
      outcome = await send(item);
    } catch (err) {
      outcome = { result: 'retry', error: (err as Error).message };
    }
    if (outcome.result === 'later') {
      await removeHeld(collectionOf(OutboxClaims(app.db)), { _id: claimId(item), worker: opts.worker }, 'worker');
      break;
    }
    await record(app, item, outcome, opts);
    stats[outcome.result === 'sent' ? 'sent' : outcome.result === 'dead' ? 'dead' : 'retried']++;
  }
  return stats;
}

const claimId = (item: OutboxItemDoc): string => `${item._id}:${item.attempts}`;

async function claim(app: AppContext, item: OutboxItemDoc, worker: string, leaseMs: number): Promise<boolean> {
  const now = app.clock.now();
  return insertWins(() =>
    OutboxClaims(app.db).create({
      _id: claimId(item),
      itemId: item._id,
      attempt: item.attempts,
      worker,
      claimedAt: now,
      leaseUntil: new Date(now.getTime() + leaseMs),
    }),
  );
}

async function record(app: AppContext, item: OutboxItemDoc, outcome: Exclude<SendOutcome, { result: 'later' }>, opts: DeliveryOptions): Promise<void> {
  const attempts = item.attempts + 1;
  const now = app.clock.now();
  if (outcome.result === 'sent') {
    await Outbox(app.db).updateOne({ _id: item._id }, { $set: { status: 'sent', sentAt: now, attempts }, $unset: { lastError: 1 } });
    return;
  }
  const dead = outcome.result === 'dead' || attempts >= item.maxAttempts;
  const base = opts.backoffMs ?? 30_000;
  const jitter = 0.5 + (opts.random ?? Math.random)();
  const notBefore = new Date(now.getTime() + base * 2 ** (attempts - 1) * jitter);
  await Outbox(app.db).updateOne(
    { _id: item._id },
    { $set: { status: dead ? 'dead' : 'pending', attempts, lastError: outcome.error.slice(0, 500), ...(dead ? {} : { notBefore }) } },
  );
}

/**
 * A worker that died holding a claim leaves its item pending at the same attempt number, which no one can
 * claim again. Once the lease has passed, count that attempt as used so the next one can be claimed.
 * Setting `attempts` to a fixed value (not `$inc`) keeps two reapers from skipping an attempt.
 */
export async function reapExpiredClaims(app: AppContext): Promise<number> {
  const expired = await OutboxClaims(app.db)
    .find({ leaseUntil: { $lt: app.clock.now() } })
    .limit(500)
    .lean();
  // Most expired claims belong to attempts that finished normally: one read finds the few still stranded.
  const pending = await Outbox(app.db)
    .find({ _id: { $in: expired.map((c) => c.itemId) }, status: 'pending' }, { attempts: 1 })
    .lean();
  const stranded = new Set(pending.map((i) => `${i._id}:${i.attempts}`));
  let reaped = 0;
  for (const c of expired.filter((x) => stranded.has(`${x.itemId}:${x.attempt}`))) {
    const r = await Outbox(app.db).updateOne(
      { _id: c.itemId, status: 'pending', attempts: c.attempt },
      { $set: { attempts: c.attempt + 1, lastError: 'claim lease expired (worker stopped mid-send)' } },
    );
    reaped += r.modifiedCount;
  }
  // Claims of finished attempts are history; drop those older than a day.
  await OutboxClaims(app.db).deleteMany({ leaseUntil: { $lt: new Date(app.clock.now().getTime() - 24 * 3600_000) } });
  return reaped;
}

/** Staff action: put a dead item back in the queue. */
export async function retryDead(app: AppContext, id: Types.ObjectId): Promise<boolean> {
  const item = await Outbox(app.db).findById(id).lean();
  if (!item || item.status !== 'dead') return false;
  await Outbox(app.db).updateOne(
    { _id: id, status: 'dead' },
    { $set: { status: 'pending', notBefore: app.clock.now(), maxAttempts: item.attempts + Math.max(1, item.maxAttempts) } },
  );
  return true;
}
