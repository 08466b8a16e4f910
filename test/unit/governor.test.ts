import { FakeClock } from '../../src/lib/clock';
import { memoryLedger, quietUntil, RateGovernor, type GovernorOptions } from '../../src/notify/governor';

const QUIET = { startMin: 21 * 60, endMin: 7 * 60 + 30 };

function governor(clock: FakeClock, over: Partial<GovernorOptions> = {}) {
  const ledger = memoryLedger();
  const g = new RateGovernor({ gapMinMs: 4000, gapMaxMs: 9000, hourlyCap: 100, dailyCap: 1000, quietHours: QUIET, clock, random: () => 0.5, ledger, ...over });
  const send = async (): Promise<boolean> => {
    if (!(await g.tryAcquire())) return false;
    await g.recordSent();
    return true;
  };
  return { g, ledger, send };
}

describe('rate governor (fake clock)', () => {
  test('when a send was just made, then the next waits for the random gap (4–9 s, here 6.5 s)', async () => {
    const clock = new FakeClock(new Date('2026-11-28T02:00:00Z')); // 10:00 in Shanghai
    const { g, send } = governor(clock);
    expect(await send()).toBe(true);
    clock.advance(6499);
    expect(await g.decide()).toEqual({ ok: false, reason: 'gap', retryAt: new Date('2026-11-28T02:00:06.500Z') });
    clock.advance(1);
    expect(await send()).toBe(true);
  });

  test('when a slot taken is given back unused, then the next send need not wait; a used slot cannot be given back', async () => {
    const clock = new FakeClock(new Date('2026-11-28T02:00:00Z'));
    const { g, send } = governor(clock);
    expect(await send()).toBe(true);
    clock.advance(6500);
    expect(await g.tryAcquire()).toBe(true);
    g.giveBack();
    expect(await g.tryAcquire()).toBe(true); // the gap counts from the last send, not from the returned slot
    await g.recordSent();
    g.giveBack();
    expect(await g.tryAcquire()).toBe(false);
  });

  test('when the jitter varies, then every gap lies between min and max', async () => {
    const clock = new FakeClock(new Date('2026-11-28T02:00:00Z'));
    let r = 0;
    const { g, ledger } = governor(clock, { random: () => (r = (r + 0.37) % 1) });
    for (let i = 0; i < 20; i++) {
      while (!(await g.tryAcquire())) clock.advance(100);
      await g.recordSent();
    }
    const gaps = ledger.times.slice(1).map((t, i) => t.getTime() - ledger.times[i]!.getTime());
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(4000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(9100);
    expect(new Set(gaps).size).toBeGreaterThan(3);
  });

  test('when it is 21:30 in Shanghai, then nothing is sent until 07:30 the next morning', async () => {
    const clock = new FakeClock(new Date('2026-11-28T13:30:00Z'));
    const { g, send } = governor(clock);
    expect(await g.decide()).toEqual({ ok: false, reason: 'quiet', retryAt: new Date('2026-11-28T23:30:00Z') });
    clock.set('2026-11-28T23:29:59Z');
    expect(await send()).toBe(false);
    clock.set('2026-11-28T23:30:00Z');
    expect(await send()).toBe(true);
  });

  test('when quiet hours do not wrap midnight, then only that window is quiet', () => {
    const q = { startMin: 12 * 60, endMin: 14 * 60 };
    expect(quietUntil(new Date('2026-11-28T04:30:00Z'), q)).toEqual(new Date('2026-11-28T06:00:00Z'));
    expect(quietUntil(new Date('2026-11-28T06:00:00Z'), q)).toBeNull();
    expect(quietUntil(new Date('2026-11-28T03:59:00Z'), q)).toBeNull();
  });

  test('when the hourly cap is reached, then sends wait until the oldest leaves the rolling hour', async () => {
    const clock = new FakeClock(new Date('2026-11-28T02:00:00Z'));
    const { g, send } = governor(clock, { gapMinMs: 0, gapMaxMs: 0, hourlyCap: 3 });
    for (let i = 0; i < 3; i++) expect(await send()).toBe(true);
    expect(await g.decide()).toMatchObject({ ok: false, reason: 'hourly' });
    clock.advance(3600_000 - 1);
    expect(await send()).toBe(false);
    clock.advance(1);
    expect(await send()).toBe(true);
  });

  test('when the daily cap is reached, then sends wait for the next Shanghai day', async () => {
    const clock = new FakeClock(new Date('2026-11-28T02:00:00Z'));
    const { g, send } = governor(clock, { gapMinMs: 0, gapMaxMs: 0, hourlyCap: 2, dailyCap: 5, quietHours: null });
    let sent = 0;
    for (let i = 0; i < 40; i++) {
      if (await send()) sent++;
      clock.advance(20 * 60_000);
    }
    // 02:00Z → 15:20Z: 13 h of sending, but only 5 on 2026-11-28 (Shanghai); the day ends at 16:00Z.
    expect(sent).toBe(5);
    clock.set('2026-11-28T15:59:00Z');
    expect(await g.decide()).toEqual({ ok: false, reason: 'daily', retryAt: new Date('2026-11-28T16:00:00Z') });
    clock.set('2026-11-28T16:00:00Z');
    expect(await send()).toBe(true);
  });

  test('when the process restarts, then the ledger keeps the caps and the gap', async () => {
    const clock = new FakeClock(new Date('2026-11-28T02:00:00Z'));
    const first = governor(clock, { hourlyCap: 1 });
    expect(await first.send()).toBe(true);
    const again = new RateGovernor({
      gapMinMs: 4000,
      gapMaxMs: 9000,
      hourlyCap: 1,
      dailyCap: 10,
      quietHours: null,
      clock,
      random: () => 0,
      ledger: first.ledger,
    });
    expect(await again.decide()).toMatchObject({ ok: false, reason: 'gap' });
    clock.advance(5000);
    expect(await again.decide()).toMatchObject({ ok: false, reason: 'hourly' });
  });
});
