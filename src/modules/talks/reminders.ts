import type { AppContext } from '../../context';
import { Outbox } from '../../notify/outbox.model';
import { cancelPending, enqueueMany, type EnqueueInput } from '../../notify/outbox.service';
import { shanghaiAt, shanghaiDay, shanghaiTime } from '../../lib/shanghai';
import { eligibilityText } from './eligibility';
import type { FillResult } from './queue-walk';
import type { RegistrationDoc, TalkDoc } from './talks.model';

/** Subscribe templates the talk pages ask for at sign-up (wx.requestSubscribeMessage takes up to 3). */
const TALK_TEMPLATES = { reminder: 'talk_reminder', start: 'talk_start', status: 'talk_status' } as const;

type ReminderKind = 'remind24h' | 'remind1h' | 'promoted' | 'cancelled' | 'removed';

const HOUR = 3600_000;

const regKeyPrefix = (talkId: unknown, regId: unknown) => `talk:${String(talkId)}:reg:${String(regId)}:`;

function item(talk: TalkDoc, reg: RegistrationDoc, kind: ReminderKind, notBefore: Date): EnqueueInput {
  const templateKey = kind === 'remind24h' ? TALK_TEMPLATES.reminder : kind === 'remind1h' ? TALK_TEMPLATES.start : TALK_TEMPLATES.status;
  const note: Record<ReminderKind, string> = {
    remind24h: '明天开始，请按时参加',
    remind1h: '1小时后开始，请带好身份证',
    promoted: '候补成功，已为您保留名额',
    cancelled: talk.cancelReason ? `活动取消：${talk.cancelReason}` : '活动已取消，给您带来不便敬请谅解',
    removed: '工作人员已取消您的报名，如有疑问请联系村（居）',
  };
  const state: Record<ReminderKind, string> = { remind24h: '即将开始', remind1h: '即将开始', promoted: '候补成功', cancelled: '已取消', removed: '报名取消' };
  return {
    key: `${regKeyPrefix(talk._id, reg._id)}${kind}`,
    channel: 'subscribe',
    notBefore,
    source: { talkId: String(talk._id), registrationId: String(reg._id), kind },
    areaPath: reg.areaPath,
    payload: {
      residentId: String(reg.residentId),
      templateKey,
      page: `pages/talks/detail/index?id=${String(talk._id)}`,
      data: { thing1: talk.title, time2: shanghaiTime(talk.startAt), thing3: talk.venue, phrase4: state[kind], thing5: note[kind] },
    },
  };
}

/** 24 h and 1 h reminders for a confirmed registration (those whose time has passed are skipped). */
export function reminderItems(app: AppContext, talk: TalkDoc, reg: RegistrationDoc): EnqueueInput[] {
  const now = app.clock.now().getTime();
  const out: EnqueueInput[] = [];
  const at24 = talk.startAt.getTime() - 24 * HOUR;
  const at1 = talk.startAt.getTime() - HOUR;
  // A sign-up less than 24 h ahead gets no "tomorrow" reminder; the 1 h one still comes.
  if (at24 > now) out.push(item(talk, reg, 'remind24h', new Date(at24)));
  if (at1 > now) out.push(item(talk, reg, 'remind1h', new Date(at1)));
  return out;
}

/** After a walk of the queue: reminders for everyone seated, plus a notice for those promoted. */
export async function queueAfterFill(app: AppContext, talk: TalkDoc, r: FillResult): Promise<void> {
  const items: EnqueueInput[] = [];
  for (const reg of r.confirmed) items.push(...reminderItems(app, talk, reg));
  for (const reg of r.promoted) items.push(item(talk, reg, 'promoted', app.clock.now()), ...reminderItems(app, talk, reg));
  await enqueueMany(app, items);
}

export async function queueCancelledBySession(app: AppContext, talk: TalkDoc, regs: RegistrationDoc[]): Promise<void> {
  await enqueueMany(
    app,
    regs.map((reg) => item(talk, reg, 'cancelled', app.clock.now())),
  );
}

/** Staff cancelled one registration: tell the resident (after its pending reminders were dropped). */
export async function queueRemovedByStaff(app: AppContext, talk: TalkDoc, reg: RegistrationDoc): Promise<void> {
  await enqueueMany(app, [item(talk, reg, 'removed', app.clock.now())]);
}

/** A registration that is cancelled drops its pending reminders (the key prefix is indexed). */
export async function dropRegistrationReminders(app: AppContext, talk: TalkDoc, reg: RegistrationDoc): Promise<void> {
  await cancelPending(app, { key: { $regex: `^${regKeyPrefix(talk._id, reg._id)}` } });
}

// ---- group notices (channel `room`, area notice: the bot expands them per bound group) ----

export type NoticeKind = 'published' | 'dayBefore' | 'sameDay' | 'cancelled';

/** How a villager finds the session: the words on the mini-program's home page. */
const HOW_TO_OPEN = '微信里搜“张店家庭健康”小程序，点首页“健康讲座”，找到这一场点“报名”';

/** 07:40 Asia/Shanghai on the session's day (quiet hours end at 07:30), or null when it starts before then. */
export function sameDayMorning(talk: Pick<TalkDoc, 'startAt'>): Date | null {
  const morning = shanghaiAt(shanghaiDay(talk.startAt), '07:40');
  return morning < talk.startAt ? morning : null;
}

export function noticeItem(talk: TalkDoc, kind: NoticeKind, notBefore: Date): EnqueueInput {
  const when = shanghaiTime(talk.startAt);
  const who = eligibilityText(talk);
  const whoLine = who ? `\n参加条件：${who}` : '\n参加条件：本地居民都可以参加';
  const text: Record<NoticeKind, string> = {
    published: `【健康讲堂】${talk.title}\n时间：${when}\n地点：${talk.venue}${whoLine}\n名额 ${talk.capacity} 人。报名方法：${HOW_TO_OPEN}。`,
    dayBefore: `【明日活动】${talk.title}\n时间：${when}\n地点：${talk.venue}${whoLine}\n已报名的居民请准时参加；还没报名的，${HOW_TO_OPEN}。`,
    sameDay: `【今日活动】${talk.title}\n时间：今天 ${when.slice(-5)}\n地点：${talk.venue}\n已报名的居民请带好身份证准时到场，到场后在小程序里点“扫码签到”。`,
    cancelled: `【活动取消】${talk.title}（原定 ${when}）已取消${talk.cancelReason ? `：${talk.cancelReason}` : ''}。给您带来不便，敬请谅解。`,
  };
  return {
    key: `talk:${String(talk._id)}:notice:${kind}`,
    channel: 'room',
    notBefore,
    source: { talkId: String(talk._id), kind: `notice:${kind}` },
    areaPath: talk.areaPath,
    payload: { areaCode: talk.areaCode, text: text[kind] },
  };
}

/** Reminders and group notices of a session, in sending order (pending ones wait for delivery). */
export async function talkOutbox(app: AppContext, talk: TalkDoc, channel?: 'subscribe' | 'room') {
  const rows = await Outbox(app.db)
    .find({ 'source.talkId': String(talk._id), ...(channel ? { channel } : {}) })
    .sort({ notBefore: 1 })
    .limit(500)
    .lean();
  return rows.map((r) => ({
    key: r.key,
    channel: r.channel,
    kind: r.source.kind ?? null,
    status: r.status,
    notBefore: r.notBefore.toISOString(),
    attempts: r.attempts,
    lastError: r.lastError ?? null,
    text: r.channel === 'room' ? String(r.payload.text ?? '') : null,
  }));
}
