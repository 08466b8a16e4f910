/**
 * Admission control: at most `max` callers run at once; the rest wait in memory, in arrival order. A storm of
 * thousands of concurrent clients makes a MongoDB-protocol server with a single-writer store (FerretDB on
 * SQLite) spend its time retrying locks, so throughput collapses; a small number in flight keeps it high.
 */
export class Gate {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly max: number) {}

  private async enter(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.queue.push(r));
  }

  private leave(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  /** Run `fn` once a place is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await fn();
    } finally {
      this.leave();
    }
  }
}
