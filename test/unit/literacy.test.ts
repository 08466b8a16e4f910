import { change, MIN_SAMPLE, proportion, wilson } from '../../src/lib/literacy';

const round4 = (x: number | null) => (x === null ? null : Math.round(x * 10_000) / 10_000);

describe('literacy level intervals', () => {
  test('when the Wilson interval is computed, then it matches published values (Newcombe 1998: 81/263 → 0.2553–0.3662; 0/10 → 0–0.2775)', () => {
    const a = wilson(81, 263);
    expect([round4(a.low), round4(a.high)]).toEqual([0.2553, 0.3662]);
    const b = wilson(0, 10);
    expect([round4(b.low), round4(b.high)]).toEqual([0, 0.2775]);
  });

  test("when two rounds are compared, then the change interval is Newcombe's hybrid score interval (56/70 vs 48/80 → 0.0524–0.3339)", () => {
    const c = change(proportion(48, 80), proportion(56, 70));
    expect([round4(c.diff), round4(c.low), round4(c.high)]).toEqual([0.2, 0.0524, 0.3339]);
    expect(c.tooSmall).toBe(false);
  });

  test('when fewer than 30 took a round, then the level is marked too small; with none, there is no level', () => {
    expect(MIN_SAMPLE).toBe(30);
    expect(proportion(4, 29).tooSmall).toBe(true);
    expect(proportion(4, 30).tooSmall).toBe(false);
    expect(proportion(0, 0)).toEqual({ n: 0, x: 0, p: null, low: null, high: null, tooSmall: true });
    expect(change(proportion(0, 0), proportion(3, 40))).toEqual({ diff: null, low: null, high: null, tooSmall: true });
  });
});
