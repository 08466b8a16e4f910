import tips from './tips.json';

interface Tip {
  key: string;
  title: string;
  text: string;
  source: string;
}

const library = tips as Tip[];
const DAY = 24 * 3600_000;

/**
 * A fixed shuffle of the library, walked one tip per day: the same date always gives the same tip, and a tip
 * comes back only after the whole library (80 days ≥ 60) has been shown.
 */
const order: number[] = (() => {
  const idx = library.map((_, i) => i);
  let seed = 20261128;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
})();

/** Days since 1970-01-01 of a Shanghai calendar day `YYYY-MM-DD`. */
function dayIndex(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY);
}

export function tipForDay(day: string): Tip {
  const i = ((dayIndex(day) % order.length) + order.length) % order.length;
  return library[order[i]!]!;
}

export function tipMessage(tip: Tip): string {
  return `【每日健康小贴士】${tip.title}\n${tip.text}`;
}

export const TIP_COUNT = library.length;
