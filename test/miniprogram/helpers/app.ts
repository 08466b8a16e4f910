/** Runs the real miniprogram/app.ts with App()/getApp() as WeChat provides them. */
import * as path from 'path';
import type { AppOption } from '../../../miniprogram/utils/app';
import { MP_ROOT, settle, WxMock } from './wx-mock';

export type TestApp = AppOption & { onLaunch(): void };

/** Registers the app (fresh module instances) without launching it. */
export function registerApp(): TestApp {
  let registered: TestApp | undefined;
  const g = globalThis as Record<string, unknown>;
  g.App = (options: TestApp) => {
    registered = options;
  };
  g.getApp = () => registered;
  jest.isolateModules(() => {
    require(path.join(MP_ROOT, 'app'));
  });
  if (!registered) throw new Error('app.ts did not call App()');
  return registered;
}

/** Registers and launches the app, letting the launch login finish. */
export async function launchApp(mock: WxMock): Promise<TestApp> {
  const app = registerApp();
  app.onLaunch();
  await settle(mock);
  return app;
}
