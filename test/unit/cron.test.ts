import { isValidCron, occurrencesBetween } from '../../src/lib/cron';

describe('cron occurrences (Asia/Shanghai)', () => {
  test('when a daily 08:30 schedule spans two days, then both 00:30Z instants come back', () => {
    const got = occurrencesBetween('30 8 * * *', new Date('2026-11-27T00:00:00Z'), new Date('2026-11-28T12:00:00Z'));
    expect(got.map((d) => d.toISOString())).toEqual(['2026-11-27T00:30:00.000Z', '2026-11-28T00:30:00.000Z']);
  });

  test('when the range starts exactly at an occurrence, then it is excluded (from, to]', () => {
    const got = occurrencesBetween('30 8 * * *', new Date('2026-11-28T00:30:00Z'), new Date('2026-11-28T00:30:00Z'));
    expect(got).toEqual([]);
  });

  test('when steps, ranges and weekdays are combined, then only matching minutes come back', () => {
    // Every 15 min from 09:00 to 10:45 on weekdays; 2026-11-28 is a Saturday, 2026-11-30 a Monday.
    const got = occurrencesBetween('*/15 9-10 * * 1-5', new Date('2026-11-28T00:00:00Z'), new Date('2026-11-30T12:00:00Z'));
    expect(got).toHaveLength(8);
    expect(got[0]!.toISOString()).toBe('2026-11-30T01:00:00.000Z');
  });

  test('when expressions are malformed, then they are invalid', () => {
    for (const bad of ['* * * *', '61 * * * *', 'a b c d e', '*/0 * * * *', '5-1 * * * *']) expect(isValidCron(bad)).toBe(false);
    expect(isValidCron('0 8,12 1 * 0')).toBe(true);
  });
});
