import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startRuntime, type Runtime } from '../src/bootstrap';

/** Run a script against the configured database (MONGODB_URI, or the embedded one under DATA_DIR). */
export async function withRuntime(fn: (rt: Runtime) => Promise<void>, opts: { prepare?: boolean } = {}): Promise<void> {
  const config = loadConfig(process.env, (m) => console.warn(m));
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const rt = await startRuntime(config, logger, opts);
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

export const has = (args: string[], name: string): boolean => args.includes(`--${name}`);

/** Run a command's main; a failure prints its message (not a stack) and exits 1. */
export function runMain(main: () => Promise<void>, expected: Array<new (...a: never[]) => Error> = []): void {
  main().then(
    () => process.exit(0),
    (err: Error) => {
      console.error(expected.some((E) => err instanceof E) ? `\n${err.message}` : err);
      process.exit(1);
    },
  );
}
