import type { AppContext } from '../context';
import { modules } from '../modules';
import type { RoomAnswer, RoomText } from '../modules/module';

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

const commands = modules.flatMap((m) => m.botCommands?.room ?? []);

/** A text in a group: each module's group commands in module order; the first that knows the text answers. */
export async function onRoomText(app: AppContext, cooldown: Cooldown, m: RoomText): Promise<RoomAnswer> {
  // "@健康小助手 答题" counts as "答题": WeChat separates a mention with U+2005.
  const text = m.text.replace(/@[^\s\u2005]+[\s\u2005]+/g, '').trim();
  for (const command of commands) {
    const answer = await command(app, { ...m, text }, { cooldown });
    if (answer) return answer;
  }
  return {};
}
