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

  test('when more callers than slots enter, then the extra ones wait until a slot is left', async () => {
    const gate = new Gate(2);
    const order: string[] = [];
    await gate.enter();
    await gate.enter();
    const third = gate.enter().then(() => order.push('third'));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    gate.leave();
    await third;
    expect(order).toEqual(['third']);
    // outside() gives its slot to a waiter while it waits, and queues for one again after
    const fourth = gate.enter().then(() => order.push('fourth'));
    const out = gate
      .outside(async () => {
        await fourth;
        order.push('outside');
      })
      .then(() => order.push('back'));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['third', 'fourth', 'outside']);
    gate.leave();
    await out;
    expect(order).toEqual(['third', 'fourth', 'outside', 'back']);
  });
});
