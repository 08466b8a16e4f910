import type { Logger } from 'pino';
import type { Config } from './config';
import type { AppContext } from './context';
import { connectDatabase, type Database } from './db/connect';
import { runMigrations } from './db/migrations';
import { ensureIndexes } from './db/model';
import { provisionDatabase, type ProvisionedDatabase } from './db/provision';
import { systemClock, type Clock } from './lib/clock';
import { piiFromConfig } from './lib/pii';
import { seedDistrict } from './modules/areas';
import { seedDailyTipsCampaign } from './modules/campaigns';
import { seedMissingQuestions } from './modules/quiz';
import { seedContentLibrary } from './modules/content';
import { modules } from './modules';
import { WeChatClient } from './wechat/client';
import { FakeWeChatServer } from './wechat/fake-server';

const DB_NAME = 'zdhealth';

export interface Runtime {
  app: AppContext;
  database: Database;
  provisioned: ProvisionedDatabase;
  fakeWeChat?: FakeWeChatServer;
  close(): Promise<void>;
}

/** First run: questions, the daily tips and the health-content library are there without `npm run seed`; both steps are idempotent. */
export async function seedStartContent(app: AppContext): Promise<{ questions: number; dailyTips: boolean; articles: number }> {
  const questions = await seedMissingQuestions(app);
  const tips = await seedDailyTipsCampaign(app);
  const articles = await seedContentLibrary(app);
  if (questions.created || tips.created || articles.created)
    app.logger.info({ event: 'content.seeded', questions: questions.created, dailyTips: tips.created, articles: articles.created }, 'shipped content added');
  return { questions: questions.created, dailyTips: tips.created, articles: articles.created };
}

/** Database (provisioned or external), indexes, the district's areas, the WeChat client: what every role needs. */
export async function startRuntime(config: Config, logger: Logger, opts: { clock?: Clock; onDbCrash?: () => void; prepare?: boolean } = {}): Promise<Runtime> {
  const provisioned = await provisionDatabase({
    mongodbUri: config.MONGODB_URI,
    ferretdbBin: config.FERRETDB_BIN,
    ferretdbPostgresqlUrl: config.FERRETDB_POSTGRESQL_URL,
    memoryServer: !config.MONGOMS_DISABLE,
    dataDir: config.DATA_DIR,
    logger,
    onCrash: opts.onDbCrash,
  });
  logger.info({ event: 'db.provisioned', kind: provisioned.kind }, `database: ${provisioned.kind}`);
  const database = await connectDatabase(provisioned.uri, DB_NAME, logger);

  let fakeWeChat: FakeWeChatServer | undefined;
  let base = config.WECHAT_API_BASE;
  if (!config.WECHAT_APPID && !base) {
    fakeWeChat = new FakeWeChatServer();
    base = await fakeWeChat.start();
    logger.warn({ event: 'wechat.fake', url: base }, 'WECHAT_APPID not set: using the local fake WeChat server');
  }
  const clock = opts.clock ?? systemClock;
  const app: AppContext = {
    config,
    logger,
    db: database.connection,
    clock,
    pii: piiFromConfig(config),
    wechat: new WeChatClient({
      baseURL: base ?? 'https://api.weixin.qq.com',
      appid: config.WECHAT_APPID || 'fake-appid',
      secret: config.WECHAT_SECRET || 'fake-secret',
      timeoutMs: config.WECHAT_TIMEOUT_MS,
      logger,
      clock,
      db: database.connection,
    }),
  };
  // A restore needs the database as it is: no indexes, areas or shipped content added first.
  if (opts.prepare !== false) {
    await prepareDatabase(app);
    await seedStartContent(app);
  }
  return {
    app,
    database,
    provisioned,
    fakeWeChat,
    async close() {
      await database.close();
      await fakeWeChat?.stop();
      await provisioned.stop();
    },
  };
}

/** Every model's collection and indexes, each module's start-up index work and migrations, the district's areas; idempotent. */
export async function prepareDatabase(app: AppContext): Promise<void> {
  await ensureIndexes(app.db);
  for (const m of modules) await m.indexes?.(app);
  await runMigrations(
    app,
    modules.flatMap((m) => (m.migrations ?? []).map((migration) => ({ module: m.name, migration }))),
  );
  await seedDistrict(app);
}
