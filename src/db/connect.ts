import mongoose, { type Connection } from 'mongoose';
import type { Logger } from 'pino';
import { sleep } from './coordination/sleep';

export interface Database {
  connection: Connection;
  isReady(): boolean;
  close(): Promise<void>;
}

/** Connect with retries and backoff (`wait` sleeps between attempts); readiness follows the driver's connection state. */
export async function connectDatabase(
  uri: string,
  dbName: string,
  logger: Logger,
  attempts = 8,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<Database> {
  let delay = 250;
  for (let i = 1; ; i++) {
    const connection = mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 5000, maxPoolSize: 50, autoIndex: false });
    try {
      await connection.asPromise();
      await connection.db!.admin().ping();
      logger.info({ event: 'db.connected', dbName }, 'database connected');
      return {
        connection,
        isReady: () => connection.readyState === 1,
        close: () => connection.close(),
      };
    } catch (err) {
      await connection.close().catch(() => undefined);
      if (i >= attempts) throw err;
      logger.warn({ event: 'db.connect_retry', attempt: i, err: (err as Error).message }, 'database not reachable, retrying');
      await wait(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
}
