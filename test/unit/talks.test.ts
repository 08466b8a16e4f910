import { Types } from 'mongoose';
import { sceneFor, talkIdFromScene } from '../../src/modules/talks/talks.service';
import { shanghaiTime } from '../../src/lib/shanghai';

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

describe('times', () => {
  test('when formatting a UTC instant, then it is shown in Asia/Shanghai', () => {
    expect(shanghaiTime(new Date('2026-12-01T16:05:00Z'))).toBe('2026-12-02 00:05');
  });
});
