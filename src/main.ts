import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config';
import { createLogger, rootLogger } from './logger';
import { startRuntime } from './bootstrap';
import { createHttpApp } from './http/app';
import { startWorker } from './worker';
import { startBot } from './bot/bot';
import { startScheduler } from './scheduler/scheduler';
import { startupBanner } from './startup-banner';
import { accessPorts, modules } from './modules';
import { staffCount } from './modules/staff';

/** Whether the staff console answers at /admin/ (it is served only once built). */
async function consoleServed(baseUrl: string): Promise<boolean> {
  try {
    return (await fetch(`${baseUrl}/admin/`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

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
  let apiUrl: string | undefined;

  if (config.roles.has('api')) {
    const app = createHttpApp(runtime.app, { isReady: runtime.database.isReady, modules, access: accessPorts });
    const server = http.createServer(app.callback());
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => server.listen(config.PORT, config.HOST, () => r()));
    const port = (server.address() as AddressInfo).port;
    const host = ['0.0.0.0', '::'].includes(config.HOST) ? 'localhost' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
    apiUrl = `http://${host}:${port}`;
    logger.info({ event: 'api.listening', port }, `API listening on http://${config.HOST}:${port}`);
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
  console.log(
    startupBanner({
      roles: [...config.roles],
      database: runtime.provisioned,
      apiUrl,
      consoleServed: apiUrl ? await consoleServed(apiUrl) : false,
      fakeWeChat: !!runtime.fakeWeChat,
      mockPuppet: config.WECHATY_PUPPET === 'wechaty-puppet-mock',
      staffAccounts: await staffCount(runtime.app),
    }),
  );

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
