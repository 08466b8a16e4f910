import { Schema } from 'mongoose';
import type { AppContext } from '../context';
import { insertWins } from '../db/coordination';
import { defineModel } from '../db/model';

/**
 * Leadership for one time slot: `_id` = `<name>:<slotStart>`, so the unique insert (`insertWins`) decides who leads that slot.
 * A slot ends by itself (the lease expires); the leader takes the next slot early to keep leading, and when it
 * dies the first worker to insert the next slot leads from then on.
 */
interface LeaseDoc {
  _id: string;
  name: string;
  slotStart: Date;
  holder: string;
  takenAt: Date;
}
const schema = new Schema<LeaseDoc>({
  _id: { type: String, required: true },
  name: { type: String, required: true },
  slotStart: { type: Date, required: true },
  holder: { type: String, required: true },
  takenAt: { type: Date, required: true },
});
schema.index({ name: 1, slotStart: -1 });
export const Leases = defineModel<LeaseDoc>('SchedulerLease', schema);

export class LeaderLease {
  constructor(
    private readonly app: AppContext,
    readonly name: string,
    readonly holder: string,
    private readonly slotMs: number,
  ) {}

  private async take(slotStart: number): Promise<string> {
    const _id = `${this.name}:${new Date(slotStart).toISOString()}`;
    if (
      await insertWins(() =>
        Leases(this.app.db).create({ _id, name: this.name, slotStart: new Date(slotStart), holder: this.holder, takenAt: this.app.clock.now() }),
      )
    )
      return this.holder;
    return (await Leases(this.app.db).findById(_id).lean())?.holder ?? '';
  }

  /** Call at least every quarter slot: true while this process leads. */
  async check(): Promise<boolean> {
    const now = this.app.clock.now().getTime();
    const slot = Math.floor(now / this.slotMs) * this.slotMs;
    const leader = await this.take(slot);
    if (leader !== this.holder) return false;
    if (slot + this.slotMs - now <= this.slotMs / 2) await this.take(slot + this.slotMs);
    return true;
  }

  /** On a clean stop: hand over the slots taken in advance so another worker leads at the next slot. */
  async release(): Promise<void> {
    await Leases(this.app.db).deleteMany({ name: this.name, holder: this.holder, slotStart: { $gt: this.app.clock.now() } });
  }

  /** Drop lease history older than a day. */
  async purge(): Promise<number> {
    const r = await Leases(this.app.db).deleteMany({ name: this.name, slotStart: { $lt: new Date(this.app.clock.now().getTime() - 24 * 3600_000) } });
    return r.deletedCount;
  }
}
