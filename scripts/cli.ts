import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startRuntime, type Runtime } from '../src/bootstrap';

/** Run a script against the configured database (MONGODB_URI, or the embedded one under DATA_DIR). */
export async function withRuntime(fn: (rt: Runtime) => Promise<void>): Promise<void> {
  const config = loadConfig(process.env, (m) => console.warn(m));
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const rt = await startRuntime(config, logger);
  try {
    await fn(rt);
  } finally {
    await rt.close();
  }
}

export function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}
