import { Schema } from 'mongoose';
import type { Connection } from 'mongoose';
import { defineModel } from '../db/model';
import type { Clock } from '../lib/clock';
import { shanghaiMinutes } from '../lib/shanghai';

/** One document per message the bot account actually sent: caps are counted, so a restart keeps them. */
interface BotSendDoc {
  account: string;
  at: Date;
}
const schema = new Schema<BotSendDoc>({ account: { type: String, required: true }, at: { type: Date, required: true } });
schema.index({ account: 1, at: -1 });
export const BotSends = defineModel<BotSendDoc>('BotSend', schema);

/** Where sends are counted; the Mongo ledger in production, a memory one in unit tests. */
interface SendLedger {
  count(since: Date): Promise<number>;
  last(): Promise<Date | null>;
  add(at: Date): Promise<void>;
}

export function mongoLedger(db: Connection, account: string): SendLedger {
  return {
    count: (since) => BotSends(db).countDocuments({ account, at: { $gte: since } }),
    last: async () => (await BotSends(db).findOne({ account }).sort({ at: -1 }).lean())?.at ?? null,
    add: async (at) => {
      await BotSends(db).create({ account, at });
    },
  };
}

export function memoryLedger(): SendLedger & { times: Date[] } {
  const times: Date[] = [];
  return {
    times,
    count: async (since) => times.filter((t) => t >= since).length,
    last: async () => times[times.length - 1] ?? null,
    add: async (at) => void times.push(at),
  };
}

export interface GovernorOptions {
  gapMinMs: number;
  gapMaxMs: number;
  hourlyCap: number;
  dailyCap: number;
  /** Minutes of the Asia/Shanghai day; may wrap midnight. */
  quietHours: { startMin: number; endMin: number } | null;
  clock: Clock;
  random?: () => number;
  ledger: SendLedger;
}

type Decision = { ok: true } | { ok: false; reason: 'gap' | 'quiet' | 'hourly' | 'daily'; retryAt: Date };

const HOUR = 3600_000;

/** When quiet hours end, if `d` lies inside them. */
export function quietUntil(d: Date, q: GovernorOptions['quietHours']): Date | null {
  if (!q) return null;
  const { min, midnight } = shanghaiMinutes(d);
  const wraps = q.startMin > q.endMin;
  const inside = wraps ? min >= q.startMin || min < q.endMin : min >= q.startMin && min < q.endMin;
  if (!inside) return null;
  const endDay = wraps && min >= q.startMin ? midnight + 24 * HOUR : midnight;
  return new Date(endDay + q.endMin * 60_000);
}

/**
 * One per bot account, shared by every job, broadcast and keyword reply: a random gap between sends, hourly
 * and daily caps, and quiet hours. `tryAcquire` reserves the next send slot when allowed (`giveBack` returns
 * it when nothing was sent with it); `recordSent` writes the ledger the caps are counted from. Callers are serialised by the single bot process.
 */
export class RateGovernor {
  private nextAt = 0;
  /** `nextAt` before the last slot was taken, until that slot is used or given back. */
  private beforeLast: number | null = null;
  private loaded = false;

  constructor(private readonly o: GovernorOptions) {}

  async decide(): Promise<Decision> {
    const now = this.o.clock.now();
    if (!this.loaded) {
      const last = await this.o.ledger.last();
      if (last) this.nextAt = last.getTime() + this.drawGap();
      this.loaded = true;
    }
    const quiet = quietUntil(now, this.o.quietHours);
    if (quiet) return { ok: false, reason: 'quiet', retryAt: quiet };
    if (now.getTime() < this.nextAt) return { ok: false, reason: 'gap', retryAt: new Date(this.nextAt) };
    const { midnight } = shanghaiMinutes(now);
    if ((await this.o.ledger.count(new Date(midnight))) >= this.o.dailyCap) {
      return { ok: false, reason: 'daily', retryAt: new Date(midnight + 24 * HOUR) };
    }
    if ((await this.o.ledger.count(new Date(now.getTime() - HOUR + 1))) >= this.o.hourlyCap) {
      // Rolling hour: try again in a minute rather than computing the exact oldest send.
      return { ok: false, reason: 'hourly', retryAt: new Date(now.getTime() + 60_000) };
    }
    return { ok: true };
  }

  /** True (and the slot is taken) when a send may happen now. */
  async tryAcquire(): Promise<boolean> {
    const d = await this.decide();
    if (!d.ok) return false;
    this.beforeLast = this.nextAt;
    this.nextAt = this.o.clock.now().getTime() + this.drawGap();
    return true;
  }

  /** The slot just taken was not used (nothing was sent with it): the next send need not wait for its gap. */
  giveBack(): void {
    if (this.beforeLast === null) return;
    this.nextAt = this.beforeLast;
    this.beforeLast = null;
  }

  async recordSent(): Promise<void> {
    this.beforeLast = null;
    await this.o.ledger.add(this.o.clock.now());
  }

  private drawGap(): number {
    const { gapMinMs: min, gapMaxMs: max } = this.o;
    return min + Math.floor((this.o.random ?? Math.random)() * (max - min));
  }
}
