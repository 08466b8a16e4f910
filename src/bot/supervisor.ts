import type { Wechaty } from 'wechaty';
import type { AppContext } from '../context';
import { enqueue } from '../notify/outbox.service';
import { endOutage, OUTAGE_LABELS, recordBotError, saveOutage, setBotStatus, type Outage, type OutageReason } from '../modules/campaigns';
import { activeAdmins } from '../modules/staff';

/** Start of the error a puppet-service puppet emits when its event stream ends (see puppet.ts). */
export const STREAM_LOST = 'puppet-service event stream lost';

/** Reconnect delay: doubling from `minMs` up to `maxMs`, with jitter so several bots do not retry in step. */
export const backoffMs = (attempt: number, bounds: { minMs: number; maxMs: number }, random = Math.random): number =>
  Math.min(bounds.maxMs, bounds.minMs * 2 ** attempt) * (0.5 + random() / 2);

/** The outage an error from Wechaty stands for, if it is one: the watchdog's reset or a dropped event stream. */
export function outageOf(message: string): OutageReason | null {
  if (message.includes('WatchdogAgent reset')) return 'watchdog';
  if (message.includes(STREAM_LOST)) return 'stream';
  return null;
}

/** A try that takes longer than this has failed (a puppet start can wait on a state that never comes). */
const TRY_LIMIT_MS = 60_000;

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The puppet, or null when Wechaty has none (its module could not be loaded). */
export function puppetOf(bot: Wechaty): Wechaty['puppet'] | null {
  try {
    return bot.puppet;
  } catch {
    return null;
  }
}

/**
 * Brings the bot back after it lost its puppet, without a process restart. The first cause names the outage;
 * then, until a login ends it, a try every backoff delay: a puppet that stopped is started, one that runs but
 * is not logged in is reset (a puppet-service puppet only reconnects; the remote session is kept). A login QR
 * pauses the tries — a person has to scan it. Offline longer than BOT_OFFLINE_ALERT_MIN alerts the district
 * admins once per outage: the error log and the console banner at once, a private WeChat message once the
 * bot is back to send it.
 */
export class BotSupervisor {
  private outage: Outage | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private alarm: NodeJS.Timeout | undefined;
  private trying = false;
  private scanning = false;
  private stopped = false;

  constructor(
    private readonly app: AppContext,
    private readonly bot: Wechaty,
    /** Status writes go through the bot's ordered chain. */
    private readonly write: (w: () => Promise<unknown>) => void,
    private readonly random: () => number = Math.random,
  ) {}

  get offline(): boolean {
    return this.outage !== null;
  }

  /** Something took the bot offline. */
  lost(reason: OutageReason, message: string): void {
    if (this.stopped) return;
    this.scanning = false;
    if (!this.outage) {
      const outage: Outage = { reason, message: message.slice(0, 300), since: this.app.clock.now(), tries: 0 };
      this.outage = outage;
      this.app.logger.warn({ event: 'bot.offline', reason, err: outage.message }, 'bot offline');
      this.write(() => saveOutage(this.app, outage));
      this.alarm = setInterval(() => this.checkAlert(), 30_000);
      this.alarm.unref();
    }
    this.schedule();
  }

  /** Logged in: the outage, if any, is over; the alert goes to admins with a linked WeChat now that it can. */
  online(): void {
    clearTimeout(this.timer);
    clearInterval(this.alarm);
    this.timer = undefined;
    this.attempt = 0;
    this.scanning = false;
    const outage = this.outage;
    this.outage = null;
    if (!outage) return;
    const offlineMs = this.app.clock.now().getTime() - outage.since.getTime();
    this.app.logger.info({ event: 'bot.back', reason: outage.reason, tries: outage.tries, offlineMs }, 'bot back online');
    this.write(() => endOutage(this.app, outage));
    if (outage.alertedAt) this.write(() => this.tellAdmins(outage));
  }

  /** A login QR is up: no more tries until it is scanned (the QR would change under the person scanning it). */
  waitingForScan(): void {
    this.scanning = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const outage = this.outage;
    if (!outage?.nextTryAt) return;
    delete outage.nextTryAt;
    this.write(() => saveOutage(this.app, outage));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.alarm);
  }

  private schedule(): void {
    const outage = this.outage;
    if (this.stopped || this.timer || this.trying || this.scanning || !outage) return;
    const delay = backoffMs(this.attempt, { minMs: this.app.config.BOT_RECONNECT_MIN_MS, maxMs: this.app.config.BOT_RECONNECT_MAX_MS }, this.random);
    outage.nextTryAt = new Date(this.app.clock.now().getTime() + delay);
    this.app.logger.warn({ event: 'bot.reconnect', reason: outage.reason, attempt: this.attempt + 1, delayMs: Math.round(delay) }, 'bot reconnecting');
    this.write(() => saveOutage(this.app, outage));
    this.timer = setTimeout(() => void this.tryOnce(), delay);
  }

  private async tryOnce(): Promise<void> {
    this.timer = undefined;
    const outage = this.outage;
    if (this.stopped || !outage) return;
    if (this.bot.isLoggedIn) return this.online();
    const puppet = puppetOf(this.bot);
    // Mid start or stop (the puppet resetting itself): acting now would wait on a state that may never come.
    if (puppet?.state.pending()) return this.schedule();
    this.trying = true;
    this.attempt++;
    outage.tries++;
    outage.lastTryAt = this.app.clock.now();
    delete outage.nextTryAt;
    this.write(() => setBotStatus(this.app, 'reconnecting', { reconnect: true }));
    this.write(() => saveOutage(this.app, outage));
    try {
      if (!puppet) throw new Error('no puppet: its module could not be loaded');
      await within(TRY_LIMIT_MS, puppet.state.active() === true ? puppet.reset() : puppet.start());
      if (puppet.state.active() !== true) throw new Error('puppet did not start');
    } catch (err) {
      const message = (err as Error).message;
      this.app.logger.warn({ event: 'bot.reconnect.failed', attempt: this.attempt, err: message }, 'bot reconnect failed');
      this.write(() => recordBotError(this.app, message));
    } finally {
      this.trying = false;
    }
    this.checkAlert();
    if (!this.bot.isLoggedIn) this.schedule();
  }

  private checkAlert(): void {
    const outage = this.outage;
    if (!outage || outage.alertedAt) return;
    const minutes = Math.floor((this.app.clock.now().getTime() - outage.since.getTime()) / 60_000);
    if (minutes < this.app.config.BOT_OFFLINE_ALERT_MIN) return;
    outage.alertedAt = this.app.clock.now();
    this.app.logger.error(
      { event: 'bot.offline.alert', reason: outage.reason, since: outage.since.toISOString(), minutes, tries: outage.tries },
      `群机器人已离线 ${minutes} 分钟（${OUTAGE_LABELS[outage.reason]}），已通知区级管理员`,
    );
    this.write(() => saveOutage(this.app, outage));
  }

  /** One private message per district admin with a linked WeChat, keyed by the outage: queued once. */
  private async tellAdmins(outage: Outage): Promise<void> {
    const admins = (await activeAdmins(this.app, 'district_admin')).filter((a) => a.wechatId);
    const fmt = (d: Date) => d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
    const text = `群机器人曾于 ${fmt(outage.since)} 离线（${OUTAGE_LABELS[outage.reason]}），${fmt(this.app.clock.now())} 已自动恢复；离线期间的群消息正在按顺序补发。`;
    for (const a of admins) {
      await enqueue(this.app, {
        key: `bot:offline:${outage.since.toISOString()}:${a.id}`,
        channel: 'room',
        payload: { contactId: a.wechatId, text },
        source: { task: 'bot.offline.alert' },
        areaPath: [],
      });
    }
  }
}
