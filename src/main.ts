import fs from 'node:fs';
import http from 'node:http';
import { ConfigError, loadConfig } from './config';
import { createLogger, rootLogger } from './logger';
import { startRuntime } from './bootstrap';
import { createHttpApp } from './http/app';
import { startWorker } from './worker';
import { startBot } from './bot/bot';
import { startScheduler } from './scheduler/scheduler';

async function main(): Promise<void> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig(process.env, (m) => rootLogger.warn(m));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const runtime = await startRuntime(config, logger, {
    onDbCrash: () => {
      logger.fatal({ event: 'db.embedded.crashed' }, 'embedded database stopped; exiting rather than continuing without it');
      process.exit(1);
    },
  });
  const stops: Array<() => Promise<void>> = [];

  if (config.roles.has('api')) {
    const app = createHttpApp(runtime.app, { isReady: runtime.database.isReady });
    const server = http.createServer(app.callback());
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => server.listen(config.PORT, config.HOST, () => r()));
    logger.info({ event: 'api.listening', port: config.PORT }, `API listening on http://${config.HOST}:${config.PORT}`);
    stops.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeIdleConnections();
        }),
    );
  }
  if (config.roles.has('worker')) {
    stops.push(await startWorker(runtime.app));
    stops.push((await startScheduler(runtime.app)).stop);
  }
  if (config.roles.has('bot')) stops.push((await startBot(runtime.app)).stop);

  let shuttingDown = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ event: 'shutdown', signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    for (const stop of stops) await stop().catch((err) => logger.error({ err }, 'stop failed'));
    await runtime.close();
    logger.info({ event: 'shutdown.done' }, 'bye');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  rootLogger.fatal({ err }, 'failed to start');
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
