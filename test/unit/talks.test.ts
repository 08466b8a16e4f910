import { Types } from 'mongoose';
import { sceneFor, talkIdFromScene } from '../../src/modules/talks/talks.service';
import { shanghaiTime } from '../../src/modules/talks/reminders';
import { Gate } from '../../src/modules/talks/gate';

describe('check-in scene', () => {
  test('when a scene is made for a talk, then it fits WeChat’s 32 characters and gives the talk id back', () => {
    const id = new Types.ObjectId();
    const scene = sceneFor(id);
    expect(scene.length).toBeLessThanOrEqual(32);
    expect(scene).toMatch(/^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/);
    expect(talkIdFromScene(scene)).toBe(String(id));
    expect(sceneFor(id)).not.toBe(scene);
    expect(talkIdFromScene('t=xyz')).toBeNull();
  });
});

describe('times and the admission gate', () => {
  test('when formatting a UTC instant, then it is shown in Asia/Shanghai', () => {
    expect(shanghaiTime(new Date('2026-12-01T16:05:00Z'))).toBe('2026-12-02 00:05');
  });

  test('when more callers than places run, then the extra ones wait in arrival order until a place is free', async () => {
    const gate = new Gate(2);
    const order: string[] = [];
    const release: Array<() => void> = [];
    const hold = (name: string) => gate.run(() => new Promise<void>((r) => release.push(() => (order.push(name), r()))));
    const runs = [hold('a'), hold('b'), gate.run(async () => void order.push('c')), gate.run(async () => void order.push('d'))];
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    release.shift()!();
    await new Promise((r) => setTimeout(r, 5));
    // one place freed: c runs (then d, since c finishes at once); b still holds the other
    expect(order).toEqual(['a', 'c', 'd']);
    release.shift()!();
    await Promise.all(runs);
    expect(order).toEqual(['a', 'c', 'd', 'b']);
  });
});
