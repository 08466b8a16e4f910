import type { AppContext } from '../context';
import { activeRoomByWxId, bindRoomByCode, matchKeyword } from '../modules/campaigns';
import { enqueue } from '../notify/outbox.service';

interface RoomText {
  messageId: string;
  text: string;
  wxRoomId: string;
  topic: string;
  talkerId: string;
}

const BIND = /^绑定\s*([A-Za-z0-9]{4,12})$/;
const BIND_REFUSED = { unknown: '绑定码不正确，请向工作人员重新索取。', expired: '绑定码已过期，请向工作人员重新索取。', used: '这个绑定码已经用过了，请向工作人员重新索取。' };
/** A keyword reply not sent within this time (quiet hours, caps) is dropped: late answers confuse more than help. */
const REPLY_TTL_MS = 10 * 60_000;

/** Per-room, per-keyword cool-down, so a burst of the same keyword gets one answer. */
export class Cooldown {
  private last = new Map<string, number>();
  constructor(private readonly ms: number) {}
  take(key: string, now: number): boolean {
    const prev = this.last.get(key);
    if (prev !== undefined && now - prev < this.ms) return false;
    this.last.set(key, now);
    return true;
  }
}

/**
 * A text in a group. Binding answers at once (one message per bind); keyword answers go through the outbox,
 * so the rate governor paces them with everything else, keyed by the message id (a replay adds nothing).
 */
export async function onRoomText(app: AppContext, cooldown: Cooldown, m: RoomText): Promise<{ reply?: string; queued?: boolean }> {
  // "@健康小助手 答题" counts as "答题": WeChat separates a mention with U+2005.
  const text = m.text.replace(/@[^\s\u2005]+[\s\u2005]+/g, '').trim();
  const bind = BIND.exec(text);
  if (bind) {
    const r = await bindRoomByCode(app, { code: bind[1]!, wxRoomId: m.wxRoomId, topic: m.topic, contactId: m.talkerId });
    if (!r.ok) return { reply: BIND_REFUSED[r.reason] };
    app.logger.info({ event: 'bot.room.bound', roomId: String(r.room._id), areaCode: r.room.areaCode, rebound: r.rebound }, 'group bound');
    return { reply: `绑定成功：本群已${r.rebound ? '改为' : ''}关联「${r.room.areaName}」。以后的健康活动通知会发到这里。发送「帮助」查看我能做什么。` };
  }
  const room = await activeRoomByWxId(app, m.wxRoomId);
  if (!room) return {};
  const kw = await matchKeyword(app, text);
  if (!kw) return {};
  const now = app.clock.now();
  if (!cooldown.take(`${room._id}:${kw.keyword}`, now.getTime())) return {};
  await enqueue(app, {
    key: `reply:${m.messageId}`,
    channel: 'room',
    payload: { roomId: String(room._id), text: kw.reply, ...(kw.card ? { card: kw.card } : {}), expiresAt: new Date(now.getTime() + REPLY_TTL_MS).toISOString() },
    maxAttempts: 2,
    source: { keyword: kw.keyword },
    areaPath: room.areaPath,
  });
  return { queued: true };
}
