/**
 * Date-time pickers hold the district's wall-clock time as text (`YYYY-MM-DD HH:mm`, value-format of the
 * picker) and the API speaks instants: these two convert between them in Asia/Shanghai (UTC+8, no daylight
 * saving), whatever the browser's own zone is.
 */
const parts = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

export const PICKER_FORMAT = 'YYYY-MM-DD HH:mm';

/** Instant → `2026-12-01 09:30` in Shanghai. */
export function toShanghaiInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const p = Object.fromEntries(parts.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}`;
}

/** `2026-12-01 09:30` in Shanghai → ISO instant; empty → undefined. */
export function fromShanghaiInput(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  return new Date(`${text.replace(' ', 'T')}:00+08:00`).toISOString();
}

/** `YYYY-MM-DD` of an instant in Shanghai. */
export const shanghaiDay = (iso: string): string => toShanghaiInput(iso).slice(0, 10);

/** First instant of a Shanghai month (`month` 1–12) and of the next. */
export function shanghaiMonth(year: number, month: number): { from: string; to: string } {
  const pad = (n: number) => String(n).padStart(2, '0');
  const next = month === 12 ? { y: year + 1, m: 1 } : { y: year, m: month + 1 };
  return { from: new Date(`${year}-${pad(month)}-01T00:00:00+08:00`).toISOString(), to: new Date(`${next.y}-${pad(next.m)}-01T00:00:00+08:00`).toISOString() };
}
