import tips from '../../src/modules/campaigns/tips.json';
import { tipForDay, TIP_COUNT } from '../../src/modules/campaigns/tips';

const day = (i: number): string => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);

describe('daily tips', () => {
  test('when the library is loaded, then it has at least 60 distinct, non-empty tips', () => {
    expect(TIP_COUNT).toBeGreaterThanOrEqual(60);
    expect(new Set(tips.map((t) => t.key)).size).toBe(tips.length);
    for (const t of tips) expect(t.title.length && t.text.length).toBeTruthy();
  });

  test('when the same date is asked twice, then the same tip comes back', () => {
    expect(tipForDay('2026-11-28')).toBe(tipForDay('2026-11-28'));
    expect(tipForDay('2026-11-28')).not.toBe(tipForDay('2026-11-29'));
  });

  test('when two years of days are drawn, then no tip repeats within any 60-day window and all are used', () => {
    const keys = Array.from({ length: 730 }, (_, i) => tipForDay(day(i)).key);
    for (let i = 0; i + 60 <= keys.length; i++) expect(new Set(keys.slice(i, i + 60)).size).toBe(60);
    expect(new Set(keys).size).toBe(TIP_COUNT);
  });
});
