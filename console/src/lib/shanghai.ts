/**
 * Date-time pickers work in the district's zone (Asia/Shanghai, UTC+8, no daylight saving) whatever the browser's
 * zone: a picker holds "YYYY-MM-DD HH:mm" as shown, and the API gets an ISO time with +08:00.
 */
export const PICKER_FORMAT = 'YYYY-MM-DD HH:mm';

/** "2026-12-01 09:30" (Shanghai) → "2026-12-01T09:30:00+08:00"; '' → undefined. */
export function pickerToIso(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})/.exec(value);
  return m ? `${m[1]}T${m[2]}:00+08:00` : undefined;
}

/** An ISO time → "YYYY-MM-DD HH:mm" as a Shanghai clock shows it (for filling a picker). */
export function isoToPicker(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 16)}`;
}

/** This year in Shanghai. */
export const shanghaiYear = (): number => Number(isoToPicker(new Date().toISOString()).slice(0, 4));
