import type { Context, Next } from 'koa';

/**
 * Admission control for sign-up storms: at most `max` sign-up/cancel requests of this process touch the
 * database at once; the rest wait in memory. A storm of thousands of concurrent writers makes a
 * MongoDB-protocol server with a single-writer store (FerretDB on SQLite) spend its time retrying locks, so
 * throughput collapses; a small number of writers in flight keeps it high. While a request only waits for the
 * seat filler to decide it, it steps outside the gate so the next arrivals can be recorded and batched.
 */
export class Gate {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async enter(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.queue.push(r));
  }

  leave(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  /** Give the slot up while `fn` waits, and take one again before going on. */
  async outside<T>(fn: () => Promise<T>): Promise<T> {
    this.leave();
    try {
      return await fn();
    } finally {
      await this.enter();
    }
  }

  middleware() {
    return async (ctx: Context, next: Next): Promise<void> => {
      await this.enter();
      ctx.state.gate = this;
      try {
        await next();
      } finally {
        this.leave();
      }
    };
  }
}

/** Shared by sign-up and cancellation in this process. */
export const signupGate = new Gate(16);
