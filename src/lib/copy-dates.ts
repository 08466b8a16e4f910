const DAY_MS = 86_400_000;

/**
 * The dates a copy of something scheduled starts from: the original's when it still lies ahead, else moved on by
 * whole days (Beijing has no daylight saving, so the times of day stay) to the first day it starts after `now`.
 * The length is kept.
 */
export function datesAhead(startAt: Date, endAt: Date, now: Date): { startAt: Date; endAt: Date; days: number } {
  const days = startAt > now ? 0 : Math.floor((now.getTime() - startAt.getTime()) / DAY_MS) + 1;
  return { startAt: new Date(startAt.getTime() + days * DAY_MS), endAt: new Date(endAt.getTime() + days * DAY_MS), days };
}

/** The title of a copy: `（副本）` added, cut so it stays within `max` characters. */
export function copyTitle(title: string, max: number): string {
  const suffix = '（副本）';
  return (
    Array.from(title)
      .slice(0, max - suffix.length)
      .join('') + suffix
  );
}
