/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) evaluated in Asia/Shanghai.
 * node-cron runs them; this parser lists the occurrences between two instants, which node-cron cannot, so
 * missed ones can be caught up after a restart.
 */
const RANGES: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
const SHANGHAI_OFFSET = 8 * 3600_000;

export interface CronSpec {
  fields: Array<Set<number>>;
  domAny: boolean;
  dowAny: boolean;
}

function parseField(text: string, [lo, hi]: [number, number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`bad cron field "${text}"`);
    const step = m[2] ? Number(m[2]) : 1;
    const [a, given] = m[1] === '*' ? [lo, hi] : (m[1]!.split('-').map(Number) as [number, number?]);
    const b = given ?? (m[2] ? hi : a);
    if (a < lo || b > hi || a > b || step < 1) throw new Error(`cron field "${text}" out of range ${lo}-${hi}`);
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expr: string): CronSpec {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error('cron needs 5 fields: minute hour day month weekday');
  const fields = parts.map((p, i) => parseField(p, RANGES[i]!));
  if (fields[4]!.has(7)) fields[4]!.add(0);
  return { fields, domAny: parts[2] === '*', dowAny: parts[4] === '*' };
}

export function isValidCron(expr: string): boolean {
  try {
    parseCron(expr);
    return true;
  } catch {
    return false;
  }
}

function matches(spec: CronSpec, utcMs: number): boolean {
  const d = new Date(utcMs + SHANGHAI_OFFSET);
  const [min, hour, dom, mon, dow] = spec.fields as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (!min.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !mon.has(d.getUTCMonth() + 1)) return false;
  const domOk = dom.has(d.getUTCDate());
  const dowOk = dow.has(d.getUTCDay());
  // Standard cron: when both day fields are restricted, either may match.
  if (spec.domAny || spec.dowAny) return domOk && dowOk;
  return domOk || dowOk;
}

/** Occurrences in (from, to], minute by minute; at most the last `maxMinutes` minutes are scanned. */
export function occurrencesBetween(expr: string | CronSpec, from: Date, to: Date, maxMinutes = 10_080): Date[] {
  const spec = typeof expr === 'string' ? parseCron(expr) : expr;
  const out: Date[] = [];
  let t = Math.floor(from.getTime() / 60_000) * 60_000 + 60_000;
  const start = Math.max(t, to.getTime() - maxMinutes * 60_000);
  for (t = Math.ceil(start / 60_000) * 60_000; t <= to.getTime(); t += 60_000) if (matches(spec, t)) out.push(new Date(t));
  return out;
}
