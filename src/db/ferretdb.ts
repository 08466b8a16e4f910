import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { mongo } from 'mongoose';
import type { Logger } from 'pino';

/** Where scripts/install-ferretdb.sh puts the binary. */
const PROJECT_FERRETDB_BIN = path.resolve(
  __dirname,
  '..',
  '..',
  ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []),
  '.tools',
  'bin',
  'ferretdb',
);

/** The first file of this name in a PATH directory. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function findFerretDb(explicit?: string): string | undefined {
  if (explicit) return fs.existsSync(explicit) ? explicit : undefined;
  return fs.existsSync(PROJECT_FERRETDB_BIN) ? PROJECT_FERRETDB_BIN : findOnPath('ferretdb');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) return reject(new Error(`ferretdb exited with code ${child.exitCode} during start`));
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() - started > timeoutMs) reject(new Error(`ferretdb did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

interface FerretDbHandle {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

interface FerretDbOptions {
  bin: string;
  dataDir: string;
  logger: Logger;
  /** Use the PostgreSQL backend at this URL instead of SQLite files in dataDir. */
  postgresqlUrl?: string;
  /** Listen on this port (e.g. to start again where a client still points); default a free one. */
  port?: number;
  /** Called if the server dies while we still rely on it. */
  onCrash?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * Whether the server answering on `port` is the process `pid`: between choosing a free port and binding it,
 * another process (a second FerretDB started at the same moment) may take the port, and then answers for it.
 */
async function answeredBy(port: number, pid: number | undefined): Promise<boolean> {
  const client = new mongo.MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, { serverSelectionTimeoutMS: 10_000 });
  try {
    const status = await client.db('admin').command({ serverStatus: 1 });
    return Number(status.pid) === pid;
  } finally {
    await client.close();
  }
}

/** Start FerretDB as a child process on a free local port, telemetry off. */
export async function startFerretDb(opts: FerretDbOptions, attempt = 1): Promise<FerretDbHandle> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const port = attempt === 1 && opts.port ? opts.port : await freePort();
  const backend = opts.postgresqlUrl
    ? ['--handler=postgresql', `--postgresql-url=${opts.postgresqlUrl}`]
    : ['--handler=sqlite', `--sqlite-url=file:${path.resolve(opts.dataDir)}/`];
  const args = [
    ...backend,
    `--listen-addr=127.0.0.1:${port}`,
    '--telemetry=disable',
    '--debug-addr=-',
    `--state-dir=${path.resolve(opts.dataDir)}`,
    '--log-level=ERROR',
    '--log-format=text',
  ];
  const child = spawn(opts.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (stopping) return;
    opts.logger.error({ event: 'db.embedded.crashed', code, signal, stderr }, 'embedded FerretDB stopped unexpectedly');
    opts.onCrash?.(code, signal);
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let failure: Error | undefined;
  try {
    await waitForPort(port, child, 20_000);
    if (!(await answeredBy(port, child.pid))) failure = new Error(`another server answers on port ${port}`);
  } catch (err) {
    failure = err as Error;
  }
  if (failure) {
    stopping = true;
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    // the port was taken between choosing and binding it: start again on another one
    const taken = /another server answers|address already in use/.test(`${failure.message}\n${stderr}`);
    if (taken && attempt < 3) return startFerretDb(opts, attempt + 1);
    throw new Error(`${failure.message}\n${stderr}`);
  }
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    pid: child.pid ?? -1,
    async stop() {
      if (stopping || child.exitCode !== null) return;
      stopping = true;
      process.removeListener('exit', killOnExit);
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
