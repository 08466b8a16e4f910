import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { Clock } from './lib/clock';
import type { PiiCrypto } from './lib/pii';
import type { WeChatClient } from './wechat/client';

/** Dependencies every use case may need, built once in main.ts (or by a test) and passed down. */
export interface AppContext {
  config: Config;
  logger: Logger;
  db: Connection;
  clock: Clock;
  pii: PiiCrypto;
  wechat: WeChatClient;
}
