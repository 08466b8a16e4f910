import { enqueue } from '../../notify/outbox.service';
import type { BotCommands } from '../module';
import { decideChatBroadcast, draftChatBroadcast } from './chat-broadcasts.service';
import { matchKeyword } from './keywords.service';
import { activeRoomByWxId, bindRoomByCode } from './rooms.service';

const BIND = /^绑定\s*([A-Za-z0-9]{4,12})$/;
const BIND_REFUSED = {
  unknown: '绑定码不正确，请向工作人员重新索取。',
  expired: '绑定码已过期，请向工作人员重新索取。',
  used: '这个绑定码已经用过了，请向工作人员重新索取。',
};
/** A keyword reply not sent within this time (quiet hours, caps) is dropped: late answers confuse more than help. */
const REPLY_TTL_MS = 10 * 60_000;

/**
 * In a group: `绑定 <code>` binds it to an area (answered at once, one message per bind); in a bound group a
 * keyword is answered through the outbox, so the rate governor paces it with everything else, keyed by the
 * message id (a replay adds nothing), once per room and keyword within the bot's cool-down. In private, staff
 * draft a group broadcast and confirm or cancel it by its code.
 */
export const campaignBotCommands: BotCommands = {
  room: [
    async (app, m) => {
      const bind = BIND.exec(m.text);
      if (!bind) return null;
      const r = await bindRoomByCode(app, { code: bind[1]!, wxRoomId: m.wxRoomId, topic: m.topic, contactId: m.talkerId });
      if (!r.ok) return { reply: BIND_REFUSED[r.reason] };
      app.logger.info({ event: 'bot.room.bound', roomId: String(r.room._id), areaCode: r.room.areaCode, rebound: r.rebound }, 'group bound');
      return { reply: `绑定成功：本群已${r.rebound ? '改为' : ''}关联「${r.room.areaName}」。以后的健康活动通知会发到这里。发送「帮助」查看我能做什么。` };
    },
    async (app, m, { cooldown }) => {
      const room = await activeRoomByWxId(app, m.wxRoomId);
      if (!room) return {};
      const kw = await matchKeyword(app, m.text);
      if (!kw) return {};
      const now = app.clock.now();
      if (!cooldown.take(`${room._id}:${kw.keyword}`, now.getTime())) return {};
      await enqueue(app, {
        key: `reply:${m.messageId}`,
        channel: 'room',
        payload: {
          roomId: String(room._id),
          text: kw.reply,
          ...(kw.card ? { card: kw.card } : {}),
          expiresAt: new Date(now.getTime() + REPLY_TTL_MS).toISOString(),
        },
        maxAttempts: 2,
        source: { keyword: kw.keyword },
        areaPath: room.areaPath,
      });
      return { queued: true };
    },
  ],
  private: [
    {
      who: 'staff',
      help: ['广播 <目标> <内容>（目标：全部，或镇街、村居名称）'],
      run: async (app, m) => {
        const broadcast = /^广播\s+(\S+)\s+([\s\S]+)$/.exec(m.text);
        return broadcast ? draftChatBroadcast(app, m.staff!, m.contactId, broadcast[1]!, broadcast[2]!.trim()) : null;
      },
    },
    {
      who: 'staff',
      help: ['确认 <确认码>', '取消 <确认码>'],
      run: async (app, m) => {
        const decision = /^(确认|取消)\s*(\d{6})$/.exec(m.text);
        return decision ? decideChatBroadcast(app, m.staff!, m.contactId, decision[2]!, decision[1] === '确认' ? 'confirm' : 'cancel') : null;
      },
    },
  ],
};
