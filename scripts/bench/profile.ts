import fs from 'node:fs';
import inspector from 'node:inspector';

/**
 * A V8 CPU profile of this process (the service's): BENCH_CPU_PROF=<file> writes one (open it in Chrome
 * DevTools); BENCH_CPU_PROF_OF=<text> picks the measurement whose title contains it, else the bench's
 * whole main measurement. Samples every 200 µs, so short pieces of work are seen. With BENCH_HEAP_PROF=1 it
 * is an allocation profile instead (a .heapprofile: what was allocated where, collected or not).
 */
export async function startProfile(): Promise<{ stop(file: string): Promise<void> }> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  if (process.env.BENCH_HEAP_PROF) {
    // allocations instead of CPU: where the garbage collector's work comes from
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return {
      async stop(file) {
        const { profile } = await post('HeapProfiler.stopSampling');
        fs.writeFileSync(file, JSON.stringify(profile));
        session.disconnect();
      },
    };
  }
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await post('Profiler.stop');
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** Run `fn` profiled when BENCH_CPU_PROF is set and BENCH_CPU_PROF_OF names this measurement (`title`), or names none and `main` is true. */
export async function profiled<T>(title: string, fn: () => Promise<T>, main = false): Promise<T> {
  const file = process.env.BENCH_CPU_PROF;
  const of = process.env.BENCH_CPU_PROF_OF;
  const on = !!file && (of ? title.includes(of) : main);
  const p = on ? await startProfile() : null;
  try {
    return await fn();
  } finally {
    if (p) await p.stop(file!);
  }
}
