import os from 'node:os';
import { WechatyBuilder, types, type Message, type Wechaty } from 'wechaty';
import * as qrcodeTerminal from 'qrcode-terminal';
import type { Config } from '../config';
import type { AppContext } from '../context';
import { mongoLedger, RateGovernor } from '../notify/governor';
import { deliverRoomsOnce, startRoomDelivery } from './room-channel';
import { firstSight, recordBotError, recordBotRemoved, recordTopicChange, setBotStatus } from '../modules/campaigns';
import { Cooldown, onRoomText } from './room-commands';
import { onPrivateText } from './staff-commands';
import { WechatyRoomSender } from './sender';
import { BotSupervisor, outageOf, puppetOf } from './supervisor';
import type { SessionKeepingPuppetService } from './puppet';

/**
 * The puppet comes from configuration, never from code; the name keeps the login in `<name>.memory-card.json`.
 * A puppet-service puppet keeps its remote session across reconnects (see puppet.ts).
 */
export async function buildWechaty(config: Config, opts: { name?: string } = { name: config.WECHATY_NAME }): Promise<Wechaty> {
  const token = config.WECHATY_PUPPET_SERVICE_TOKEN;
  const name = opts.name ? { name: opts.name } : {};
  const puppetOptions = { timeoutSeconds: config.BOT_WATCHDOG_SEC, ...(token ? { token } : {}) };
  if (config.WECHATY_PUPPET === 'wechaty-puppet-service') {
    const { SessionKeepingPuppetService } = await import('./puppet');
    const endpoint = config.WECHATY_PUPPET_SERVICE_ENDPOINT ? { endpoint: config.WECHATY_PUPPET_SERVICE_ENDPOINT } : {};
    return WechatyBuilder.build({ ...name, puppet: new SessionKeepingPuppetService({ ...puppetOptions, ...endpoint }) });
  }
  if (config.WECHATY_PUPPET === 'wechaty-puppet-mock') return WechatyBuilder.build({ ...name, puppet: await mockPuppet() });
  return WechatyBuilder.build({ ...name, puppet: config.WECHATY_PUPPET as never, puppetOptions });
}

/** The offline mock (development): once started it is logged in as a mock account, so the bot's state is what it is — ready. */
async function mockPuppet() {
  const { PuppetMock, mock } = await import('wechaty-puppet-mock');
  const mocker = new mock.Mocker();
  mocker.use((m) => {
    m.login(m.createContact({ name: MOCK_ACCOUNT }));
    return () => undefined;
  });
  return new PuppetMock({ mocker });
}

export const MOCK_ACCOUNT = '模拟机器人（离线演示）';

function createGovernor(app: AppContext, random?: () => number): RateGovernor {
  const c = app.config;
  return new RateGovernor({
    gapMinMs: c.BOT_GAP_MIN_MS,
    gapMaxMs: c.BOT_GAP_MAX_MS,
    hourlyCap: c.BOT_HOURLY_CAP,
    dailyCap: c.BOT_DAILY_CAP,
    quietHours: c.quietHours,
    clock: app.clock,
    random,
    ledger: mongoLedger(app.db, c.WECHATY_NAME),
  });
}

/** Messages older than the start by more than this are replays of history, not requests. */
const STALE_SLACK_MS = 60_000;

export interface BotOptions {
  /** A prepared Wechaty (tests: the mock puppet); default built from configuration. */
  wechaty?: Wechaty;
  /** Run the delivery loop while logged in (default true; tests drive `deliverOnce`). */
  delivery?: boolean;
  governor?: RateGovernor;
  worker?: string;
  /** Jitter of the reconnect delay (tests). */
  random?: () => number;
}

export interface BotHandle {
  wechaty: Wechaty;
  governor: RateGovernor;
  sender: WechatyRoomSender;
  /** One delivery round without pacing backoff (tests, benchmarks); `reap` as in deliverRoomsOnce. */
  deliverOnce(reap?: boolean): ReturnType<typeof deliverRoomsOnce>;
  /** Resolves when every message handler started so far has finished (tests). */
  idle(): Promise<void>;
  /** What brings the bot back after an outage (tests read its state). */
  supervisor: BotSupervisor;
  stop(): Promise<void>;
}

export async function startBot(app: AppContext, opts: BotOptions = {}): Promise<BotHandle> {
  const bot = opts.wechaty ?? (await buildWechaty(app.config));
  const governor = opts.governor ?? createGovernor(app);
  const sender = new WechatyRoomSender(app, bot);
  const worker = opts.worker ?? `${os.hostname()}:${process.pid}:bot`;
  const cooldown = new Cooldown(app.config.BOT_KEYWORD_COOLDOWN_SEC * 1000);
  // Message timestamps come from the puppet's (real) clock, so staleness is judged by the real clock too.
  const startedAt = Date.now();
  let stopped = false;
  const inflight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    // After stop nothing new may touch the database (it may be closing); the promise is still observed.
    if (stopped) return void p.catch(() => undefined);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  // Status writes in event order: a login must not be overwritten by the scan write that preceded it.
  let statusChain: Promise<unknown> = Promise.resolve();
  const writeStatus = (write: () => Promise<unknown>): void => track((statusChain = statusChain.then(write, write)));
  let stopDelivery: (() => Promise<void>) | null = null;
  const supervisor = new BotSupervisor(app, bot, writeStatus, opts.random);
  let lastError = '';

  // Bind confirmations and staff private replies answer a person directly (one message each, not spammable:
  // codes are single-use, staff are known); everything else a group receives goes through outbox + governor.
  const handle = async (msg: Message): Promise<void> => {
    if (stopped || msg.self() || msg.type() !== types.Message.Text) return;
    if (msg.date().getTime() < startedAt - STALE_SLACK_MS) return;
    if (!(await firstSight(app, msg.id))) return;
    const room = msg.room();
    const talker = msg.talker();
    if (room) {
      const r = await onRoomText(app, cooldown, { messageId: msg.id, text: msg.text(), wxRoomId: room.id, topic: await room.topic(), talkerId: talker.id });
      if (r.reply) await room.say(r.reply);
    } else {
      await talker.say(await onPrivateText(app, talker.id, msg.text()));
    }
  };

  bot.on('scan', (qr, status) => {
    if (status === types.ScanStatus.Waiting || status === types.ScanStatus.Timeout) {
      if (app.config.NODE_ENV !== 'test') qrcodeTerminal.generate(qr, { small: true });
      supervisor.waitingForScan();
      writeStatus(() => setBotStatus(app, 'waiting_scan', { qr }));
    }
  });
  bot.on('login', (user) => {
    // In the same chain as the logout's stop, so a logout and login in quick succession (a reconnect) leave it running.
    writeStatus(async () => {
      await setBotStatus(app, 'logged_in', { account: { id: user.id, name: user.name() } });
      if (opts.delivery !== false && !stopDelivery && !stopped)
        stopDelivery = startRoomDelivery(app, { sender, governor, worker, intervalMs: app.config.BOT_DELIVERY_INTERVAL_MS });
    });
    app.logger.info({ event: 'bot.login', account: user.name() }, 'bot logged in');
    supervisor.online();
  });
  bot.on('logout', (user, reason) => {
    if (stopped) return;
    writeStatus(async () => {
      await stopDelivery?.();
      stopDelivery = null;
      await setBotStatus(app, 'logged_out');
      await recordBotError(app, `logged out${reason ? `: ${reason}` : ''} (${user.name()})`);
    });
    supervisor.lost('logout', `logged out${reason ? `: ${reason}` : ''}`);
  });
  bot.on('error', (err) => {
    lastError = err.message;
    app.logger.warn({ event: 'bot.error', err: err.message }, 'bot error');
    writeStatus(() => recordBotError(app, err.message));
    const reason = outageOf(err.message);
    if (reason) supervisor.lost(reason, err.message);
  });
  bot.on('message', (msg) => track(handle(msg).catch((err) => app.logger.error({ event: 'bot.message.failed', err }, 'message handler failed'))));
  bot.on('room-topic', (room, topic) => track(recordTopicChange(app, room.id, topic)));
  bot.on('room-leave', (room, leavers) => {
    if (leavers.some((c) => c.id === bot.currentUser?.id)) track(recordBotRemoved(app, room.id));
  });

  await setBotStatus(app, 'starting');
  // Wechaty reports a puppet that fails to start as an error event, not a rejection: the puppet's state tells.
  await bot.start().catch((err: Error) => void (lastError = err.message));
  if (puppetOf(bot)?.state.active() !== true) {
    await recordBotError(app, lastError || 'puppet did not start');
    supervisor.lost('start_failed', lastError || 'puppet did not start');
  }
  app.logger.info({ event: 'bot.started', puppet: app.config.WECHATY_PUPPET, name: app.config.WECHATY_NAME }, 'bot started; waiting for login');

  return {
    wechaty: bot,
    governor,
    sender,
    supervisor,
    deliverOnce: (reap = true) => deliverRoomsOnce(app, { sender, governor, worker, backoffMs: 0, reap }),
    idle: async () => {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    async stop() {
      stopped = true;
      supervisor.stop();
      await stopDelivery?.();
      await Promise.allSettled([...inflight]);
      (puppetOf(bot) as Partial<SessionKeepingPuppetService> | null)?.stopRemoteOnStop?.();
      await bot.stop().catch(() => undefined);
      await Promise.allSettled([...inflight]);
      await setBotStatus(app, 'stopped').catch(() => undefined);
    },
  };
}
