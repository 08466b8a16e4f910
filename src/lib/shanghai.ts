/**
 * The district's time zone, Asia/Shanghai (UTC+8 all year: China has no daylight saving). Times are stored in
 * UTC; days, schedules, quiet hours and reports are read in this zone, through these helpers only.
 */
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const OFFSET = 8 * HOUR;

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
const timeFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** Calendar day in the district's time zone, `YYYY-MM-DD`. */
export function shanghaiDay(d: Date): string {
  return dayFormat.format(d);
}

/** `2026-12-01 09:30` in Asia/Shanghai (WeChat's `time` value format). */
export function shanghaiTime(d: Date): string {
  const p = Object.fromEntries(timeFormat.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}`;
}

/** The instant of a Shanghai wall-clock time on a Shanghai day: `shanghaiAt('2026-12-01', '07:40')`. */
export function shanghaiAt(day: string, hhmm: string): Date {
  return new Date(`${day}T${hhmm}:00+08:00`);
}

/** The next Shanghai midnight after `d`: the end of its Shanghai calendar day. */
export function endOfShanghaiDay(d: Date): Date {
  return new Date(shanghaiAt(shanghaiDay(d), '00:00').getTime() + DAY);
}

/** Minutes since Shanghai midnight, and that midnight as a UTC instant (ms). */
export function shanghaiMinutes(d: Date): { min: number; midnight: number } {
  const local = d.getTime() + OFFSET;
  const dayStartLocal = Math.floor(local / DAY) * DAY;
  return { min: Math.floor((local - dayStartLocal) / 60_000), midnight: dayStartLocal - OFFSET };
}

/** A daily window (quiet hours) as minutes of the Shanghai day; `startMin > endMin` wraps midnight. */
interface DailyWindow {
  startMin: number;
  endMin: number;
}

/** Parse `HH:MM-HH:MM`; null when the text is not of that form or a time is past 23:59. */
export function parseDailyWindow(spec: string): DailyWindow | null {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(spec);
  if (!m) return null;
  const [h1, m1, h2, m2] = m.slice(1).map(Number) as [number, number, number, number];
  if (h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59) return null;
  return { startMin: h1 * 60 + m1, endMin: h2 * 60 + m2 };
}

/** Monday to Friday in the district's time zone (the project keeps no holiday table). */
export function isWorkingDay(d: Date): boolean {
  const weekday = new Date(d.getTime() + OFFSET).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/**
 * The moment `n` working days after `from`, at the same time of day: a question asked on Friday afternoon with
 * two working days is due on Tuesday afternoon; one asked on Saturday, on Tuesday as well.
 */
export function addWorkingDays(from: Date, n: number): Date {
  let at = from.getTime();
  for (let left = n; left > 0;) {
    at += DAY;
    if (isWorkingDay(new Date(at))) left--;
  }
  return new Date(at);
}
