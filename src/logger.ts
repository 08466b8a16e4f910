import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Logger } from 'pino';

interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** Paths whose values never reach the log: credentials, tokens and personal data. */
const redact = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'code',
  '*.code',
  'session_key',
  '*.session_key',
  'access_token',
  '*.access_token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'phone',
  '*.phone',
  'idCard',
  '*.idCard',
  'name',
  '*.name',
];

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redact, censor: '[redacted]' },
      base: undefined,
      mixin() {
        const ctx = requestContext.getStore();
        return ctx ? { reqId: ctx.requestId } : {};
      },
    },
    destination,
  );
}

/** A logger usable before configuration (scripts, tests); the app passes its own around. */
export const rootLogger: Logger = createLogger(process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'));
