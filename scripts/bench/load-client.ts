/**
 * The benchmarks' load generator, run as a child process of the bench (`harness.ts` starts it): requests are
 * made here, so the bench process holds only the service and its CPU time per request is the service's own.
 * Messages from the parent:
 * - `fire`: the given requests, all at once or one after another; replies each one's status, JSON body and
 *   milliseconds. Marks `started` (before the first request) and `finished` (the last reply is in) come first,
 *   so the bench can time its own CPU over the requests alone, not over reading these messages;
 * - `autocannon`: a timed or counted load; `cycle` (optional) gives the requests in turn, shared by all
 *   connections, so each list item is sent once per pass whatever the number of connections.
 */
import http from 'node:http';
import autocannon from 'autocannon';

export interface RequestSpec {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** JSON-encoded already. */
  body?: string;
}

export interface Fired {
  status: number;
  body: unknown;
  ms: number;
}

export interface AutocannonJob {
  url: string;
  method: string;
  connections: number;
  amount?: number;
  duration?: number;
  timeout?: number;
  headers: Record<string, string>;
  body?: string;
  cycle?: RequestSpec[];
}

export type ClientJob = { kind: 'fire'; url: string; mode: 'all' | 'serial'; requests: RequestSpec[] } | { kind: 'autocannon'; job: AutocannonJob };
export type ClientMessage = ClientJob & { id: number };

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/**
 * A kept-alive socket the server closed while idle (its keep-alive timeout) fails the request sent on it:
 * such a request is sent again once, on a new socket (as Node's documentation advises for `reusedSocket`).
 */
async function send(base: URL, r: RequestSpec): Promise<Fired> {
  try {
    return await sendOnce(base, r);
  } catch (err) {
    if ((err as { reused?: boolean }).reused) return sendOnce(base, r);
    throw err;
  }
}

function sendOnce(base: URL, r: RequestSpec): Promise<Fired> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...r.headers };
    if (r.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(r.body));
    }
    const req = http.request({ host: base.hostname, port: base.port, path: r.path, method: r.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 });
      });
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => reject(Object.assign(err, { reused: req.reusedSocket && err.code === 'ECONNRESET' })));
    req.end(r.body);
  });
}

async function fire(url: string, mode: 'all' | 'serial', requests: RequestSpec[]): Promise<Fired[]> {
  const base = new URL(url);
  if (mode === 'all') return Promise.all(requests.map((r) => send(base, r)));
  const out: Fired[] = [];
  for (const r of requests) out.push(await send(base, r));
  return out;
}

async function cannon(j: AutocannonJob) {
  let n = 0;
  const list = j.cycle;
  const r = await autocannon({
    url: j.url,
    method: j.method as 'GET',
    connections: j.connections,
    timeout: j.timeout,
    ...(j.amount ? { amount: j.amount } : { duration: j.duration ?? 5 }),
    headers: j.headers,
    body: j.body,
    requests: list?.length
      ? [
          {
            setupRequest: ((req: Record<string, unknown>) => {
              const x = list[n++ % list.length]!;
              return {
                ...req,
                path: x.path,
                method: x.method ?? req.method,
                headers: { ...(req.headers as object), ...x.headers },
                ...(x.body === undefined ? {} : { body: x.body }),
              };
            }) as never,
          },
        ]
      : undefined,
  });
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

process.on('message', (m: ClientMessage) => {
  const run =
    m.kind === 'fire'
      ? (async () => {
          process.send!({ id: m.id, mark: 'started' });
          const out = await fire(m.url, m.mode, m.requests);
          process.send!({ id: m.id, mark: 'finished' });
          await pause(20); // the mark is read on its own, before the (large) replies
          return out;
        })()
      : cannon(m.job);
  run.then(
    (result) => process.send!({ id: m.id, result }),
    (err: unknown) => process.send!({ id: m.id, error: String((err as Error)?.stack ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));
