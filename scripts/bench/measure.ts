const MB = 1024 * 1024;

/** Insert generated documents in batches of 5,000; returns how many. */
export async function batched(docs: () => Iterable<Record<string, unknown>>, insert: (batch: Record<string, unknown>[]) => Promise<unknown>): Promise<number> {
  let batch: Record<string, unknown>[] = [];
  let n = 0;
  for (const d of docs()) {
    batch.push(d);
    if (batch.length === 5000) {
      await insert(batch);
      n += batch.length;
      batch = [];
    }
  }
  if (batch.length) await insert(batch);
  return n + batch.length;
}

/** Time `fn` and sample this process's memory every 20 ms: growth over the start, and the peaks (MB). */
export async function measure(fn: () => Promise<unknown>) {
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const started = process.hrtime.bigint();
  const out = await fn();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sampler);
  return { ms, out, heapGrowthMb: (peakHeap - base.heapUsed) / MB, rssGrowthMb: (peakRss - base.rss) / MB, peakRssMb: peakRss / MB, peakHeapMb: peakHeap / MB };
}
