import type { Room, Wechaty } from 'wechaty';
import type { AppContext } from '../context';
import { isDuplicateKey } from '../db/model';
import { markRoomAttention, relinkRoom, type BotRoomDoc } from '../modules/campaigns';
import type { RoomMessage, RoomSender } from './room-channel';
import type { SendOutcome } from '../notify/outbox.service';

/**
 * Not logged in (an outage): nothing is attempted, so the item keeps its attempts and its place in the queue and
 * goes out, in order, once the bot is back — an outage never uses up retries or turns items dead.
 */
const OFFLINE: SendOutcome = { result: 'later' };

/** Text shown instead of a card when the puppet cannot send cards. */
function withLink(m: RoomMessage): string {
  if (!m.card) return m.text;
  const link = m.linkText ?? `👉 微信搜索小程序「张店家庭健康」，打开「${m.card.title}」`;
  return `${m.text}\n${link}`;
}

/**
 * Sends to a bound group through Wechaty. A stored id that no longer resolves (web puppets change ids) is
 * re-resolved by exact topic; two groups with that topic are flagged for staff rather than guessed.
 */
export class WechatyRoomSender implements RoomSender {
  constructor(
    private readonly app: AppContext,
    private readonly bot: Wechaty,
  ) {}

  async resolve(room: BotRoomDoc): Promise<Room | SendOutcome> {
    const byId = await this.bot.Room.find({ id: room.wxRoomId }).catch(() => undefined);
    if (byId) return byId;
    const byTopic = await this.bot.Room.findAll({ topic: room.topic }).catch(() => []);
    const mark = (attention: string) => markRoomAttention(this.app, room._id, attention);
    if (byTopic.length > 1) {
      await mark('ambiguous_topic');
      return { result: 'dead', error: `group id gone and ${byTopic.length} groups are named "${room.topic}": staff must rebind` };
    }
    const found = byTopic[0];
    if (!found) {
      await mark('not_found');
      return { result: 'retry', error: 'group not found by id or topic' };
    }
    try {
      await relinkRoom(this.app, room._id, found.id);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await mark('ambiguous_topic');
      return { result: 'dead', error: 'the group found by topic is bound to another record: staff must rebind' };
    }
    this.app.logger.info({ event: 'bot.room.reresolved', roomId: String(room._id), from: room.wxRoomId, to: found.id }, 'group id re-resolved by topic');
    return found;
  }

  async sendPrivate(contactId: string, text: string): Promise<SendOutcome> {
    if (!this.bot.isLoggedIn) return OFFLINE;
    const contact = await this.bot.Contact.find({ id: contactId }).catch(() => undefined);
    if (!contact) return { result: 'dead', error: 'contact not found (WeChat link changed?)' };
    await contact.say(text);
    return { result: 'sent' };
  }

  async send(room: BotRoomDoc, m: RoomMessage): Promise<SendOutcome> {
    if (!this.bot.isLoggedIn) return OFFLINE;
    const target = await this.resolve(room);
    if ('result' in target) return target;
    const cards = this.app.config.BOT_SEND_CARDS && m.card && this.app.config.BOT_MINIPROGRAM_USERNAME;
    await target.say(cards ? m.text : withLink(m));
    if (cards && m.card) {
      await target.say(
        new this.bot.MiniProgram({
          appid: this.app.config.WECHAT_APPID,
          username: this.app.config.BOT_MINIPROGRAM_USERNAME,
          title: m.card.title,
          pagePath: m.card.pagePath,
          thumbUrl: m.card.thumbUrl,
          description: m.card.title,
        }),
      );
    }
    return { result: 'sent' };
  }
}
