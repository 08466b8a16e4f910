import os from 'node:os';
import { WechatyBuilder, types, type Message, type Wechaty } from 'wechaty';
import * as qrcodeTerminal from 'qrcode-terminal';
import type { Config } from '../config';
import type { AppContext } from '../context';
import { mongoLedger, RateGovernor } from '../notify/governor';
import { deliverRoomsOnce, startRoomDelivery } from '../notify/room-channel';
import { recordBotRemoved, recordTopicChange } from '../modules/campaigns';
import { Cooldown, onRoomText } from './room-commands';
import { onPrivateText } from './staff-commands';
import { WechatyRoomSender } from './sender';
import { firstSight, recordBotError, setBotStatus } from './status';

/** The puppet comes from configuration, never from code; the name keeps the login in `<name>.memory-card.json`. */
function buildWechaty(config: Config): Wechaty {
  const token = config.WECHATY_PUPPET_SERVICE_TOKEN;
  return WechatyBuilder.build({ name: config.WECHATY_NAME, puppet: config.WECHATY_PUPPET as never, ...(token ? { puppetOptions: { token } } : {}) });
}

function createGovernor(app: AppContext, random?: () => number): RateGovernor {
  const c = app.config;
  return new RateGovernor({
    gapMinMs: c.BOT_GAP_MIN_MS, gapMaxMs: c.BOT_GAP_MAX_MS, hourlyCap: c.BOT_HOURLY_CAP, dailyCap: c.BOT_DAILY_CAP,
    quietHours: c.quietHours, clock: app.clock, random, ledger: mongoLedger(app.db, c.WECHATY_NAME),
  });
}

/** Reconnect delay: doubling from 1 s to 5 min, with jitter so several bots do not retry in step. */
export const backoffMs = (attempt: number, random = Math.random): number => Math.min(300_000, 1000 * 2 ** attempt) * (0.5 + random() / 2);

/** Messages older than the start by more than this are replays of history, not requests. */
const STALE_SLACK_MS = 60_000;

export interface BotOptions {
  /** A prepared Wechaty (tests: the mock puppet); default built from configuration. */
  wechaty?: Wechaty;
  /** Run the delivery loop while logged in (default true; tests drive `deliverOnce`). */
  delivery?: boolean;
  governor?: RateGovernor;
  worker?: string;
}

export interface BotHandle {
  wechaty: Wechaty;
  governor: RateGovernor;
  sender: WechatyRoomSender;
  /** One delivery round without pacing backoff (tests, benchmarks); `reap` as in deliverRoomsOnce. */
  deliverOnce(reap?: boolean): ReturnType<typeof deliverRoomsOnce>;
  /** Resolves when every message handler started so far has finished (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBot(app: AppContext, opts: BotOptions = {}): Promise<BotHandle> {
  const bot = opts.wechaty ?? buildWechaty(app.config);
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
  let attempt = 0;
  let restartTimer: NodeJS.Timeout | undefined;

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

  const restartLater = (why: string): void => {
    if (stopped || restartTimer) return;
    const delay = backoffMs(attempt++);
    app.logger.warn({ event: 'bot.reconnect', why, delayMs: Math.round(delay) }, 'bot reconnecting');
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      void (async () => {
        await bot.stop().catch(() => undefined);
        await setBotStatus(app, 'starting', { reconnect: true });
        await bot.start().catch(async (err: Error) => {
          await recordBotError(app, err.message);
          restartLater('start failed');
        });
      })();
    }, delay);
  };

  bot.on('scan', (qr, status) => {
    if (status === types.ScanStatus.Waiting || status === types.ScanStatus.Timeout) {
      if (app.config.NODE_ENV !== 'test') qrcodeTerminal.generate(qr, { small: true });
      writeStatus(() => setBotStatus(app, 'waiting_scan', { qr }));
    }
  });
  bot.on('login', (user) => {
    attempt = 0;
    writeStatus(() => setBotStatus(app, 'logged_in', { account: { id: user.id, name: user.name() } }));
    if (opts.delivery !== false && !stopDelivery) stopDelivery = startRoomDelivery(app, { sender, governor, worker, intervalMs: app.config.BOT_DELIVERY_INTERVAL_MS });
    app.logger.info({ event: 'bot.login', account: user.name() }, 'bot logged in');
  });
  bot.on('logout', (user, reason) => {
    writeStatus(async () => {
      await stopDelivery?.();
      stopDelivery = null;
      await setBotStatus(app, 'logged_out');
      await recordBotError(app, `logged out${reason ? `: ${reason}` : ''} (${user.name()})`);
    });
    restartLater('logout');
  });
  bot.on('error', (err) => {
    app.logger.warn({ event: 'bot.error', err: err.message }, 'bot error');
    writeStatus(() => recordBotError(app, err.message));
  });
  bot.on('message', (msg) => track(handle(msg).catch((err) => app.logger.error({ event: 'bot.message.failed', err }, 'message handler failed'))));
  bot.on('room-topic', (room, topic) => track(recordTopicChange(app, room.id, topic)));
  bot.on('room-leave', (room, leavers) => {
    if (leavers.some((c) => c.id === bot.currentUser?.id)) track(recordBotRemoved(app, room.id));
  });

  await setBotStatus(app, 'starting');
  await bot.start().catch(async (err: Error) => {
    await recordBotError(app, err.message);
    restartLater('start failed');
  });
  app.logger.info({ event: 'bot.started', puppet: app.config.WECHATY_PUPPET, name: app.config.WECHATY_NAME }, 'bot started; waiting for login');

  return {
    wechaty: bot,
    governor,
    sender,
    deliverOnce: (reap = true) => deliverRoomsOnce(app, { sender, governor, worker, backoffMs: 0, reap }),
    idle: async () => {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    async stop() {
      stopped = true;
      clearTimeout(restartTimer);
      await stopDelivery?.();
      await Promise.allSettled([...inflight]);
      await bot.stop().catch(() => undefined);
      await Promise.allSettled([...inflight]);
      await setBotStatus(app, 'stopped').catch(() => undefined);
    },
  };
}
