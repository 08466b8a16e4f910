/**
 * Campaign schedules as staff enter them (once / daily / weekly, Asia/Shanghai wall-clock times) and as the API
 * stores them (an instant, or a five-field cron read in Asia/Shanghai). Staff never see cron text or raw ISO.
 */
export type ScheduleForm =
  | { repeat: 'once'; at: string } // `YYYY-MM-DD HH:mm`, Beijing time
  | { repeat: 'daily'; time: string } // `HH:mm`
  | { repeat: 'weekly'; weekday: number; time: string }; // 1 = Monday … 7 = Sunday

export const WEEKDAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];

/** `2026-12-01 09:30` (Beijing time) → the instant with its +08:00 offset, whatever the browser's zone is. */
export const beijingInstant = (wall: string): string => `${wall.replace(' ', 'T')}:00+08:00`;

export function toApiSchedule(f: ScheduleForm): { kind: 'once'; at: string } | { kind: 'cron'; cron: string } {
  if (f.repeat === 'once') return { kind: 'once', at: beijingInstant(f.at) };
  const [h, m] = f.time.split(':').map(Number);
  return { kind: 'cron', cron: `${m} ${h} * * ${f.repeat === 'weekly' ? f.weekday % 7 : '*'}` };
}

const pad = (n: number): string => String(n).padStart(2, '0');
const wallParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** An instant as Beijing wall-clock `YYYY-MM-DD HH:mm`. */
export function beijingWall(iso: string): string {
  const p = Object.fromEntries(wallParts.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}`;
}

/** The form for a stored schedule; null for a cron the form cannot express (kept as it is, described as 自定义周期). */
export function fromApiSchedule(s: { kind: 'now' } | { kind: 'once'; at: string } | { kind: 'cron'; cron: string }): ScheduleForm | null {
  if (s.kind === 'once') return { repeat: 'once', at: beijingWall(s.at) };
  if (s.kind === 'now') return null;
  const m = /^(\d{1,2}) (\d{1,2}) \* \* (\*|[0-7])$/.exec(s.cron.trim());
  if (!m) return null;
  const time = `${pad(Number(m[2]))}:${pad(Number(m[1]))}`;
  if (m[3] === '*') return { repeat: 'daily', time };
  const d = Number(m[3]);
  return { repeat: 'weekly', weekday: d === 0 ? 7 : d, time };
}

/** Chinese description: `立即发送（审核通过后）`, `2026-12-01 09:30 发送一次`, `每天 08:30`, `每周一 09:00`. */
export function describeSchedule(s: { kind: 'now' } | { kind: 'once'; at: string } | { kind: 'cron'; cron: string }): string {
  if (s.kind === 'now') return '审核通过后立即发送';
  const f = fromApiSchedule(s);
  if (!f) return '自定义周期';
  if (f.repeat === 'once') return `${f.at} 发送一次`;
  if (f.repeat === 'daily') return `每天 ${f.time}`;
  return `每${WEEKDAYS[f.weekday - 1]} ${f.time}`;
}

/** `21:00-07:30` → `每天 21:00 至次日 07:30`. */
export function describeQuietHours(q: string | null): string {
  if (!q) return '未设置免打扰时段，随时发送';
  const [a, b] = q.split('-');
  return `每天 ${a} 至${(a ?? '') > (b ?? '') ? '次日 ' : ' '}${b}`;
}
