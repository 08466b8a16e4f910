/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) evaluated in Asia/Shanghai.
 * node-cron runs them; cron-parser lists the occurrences between two instants, which node-cron cannot, so
 * missed ones can be caught up after a restart.
 */
import { CronExpressionParser } from 'cron-parser';
import cron from 'node-cron';

const TZ = 'Asia/Shanghai';

/** Valid for both libraries: exactly five fields (no seconds), accepted by node-cron and cron-parser. */
export function isValidCron(expr: string): boolean {
  if (expr.trim().split(/\s+/).length !== 5 || !cron.validate(expr)) return false;
  try {
    CronExpressionParser.parse(expr, { tz: TZ });
    return true;
  } catch {
    return false;
  }
}

/** Occurrences in (from, to]; at most the last `maxMinutes` minutes are looked at. */
export function occurrencesBetween(expr: string, from: Date, to: Date, maxMinutes = 10_080): Date[] {
  const start = Math.max(from.getTime(), to.getTime() - maxMinutes * 60_000);
  if (start >= to.getTime()) return [];
  const it = CronExpressionParser.parse(expr, { currentDate: new Date(start), endDate: new Date(to.getTime() + 1), tz: TZ });
  const out: Date[] = [];
  while (it.hasNext()) {
    const d = it.next().toDate();
    if (d.getTime() > start && d.getTime() <= to.getTime()) out.push(d);
  }
  return out;
}
