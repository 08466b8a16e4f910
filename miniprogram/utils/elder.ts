/** Elderly mode: a device preference (storage) mirrored in app.globalData and on the server. */
import { theApp } from './app';

export const ELDERLY_MODE_KEY = 'elderlyMode';

export function readElderPreference(): boolean {
  return wx.getStorageSync(ELDERLY_MODE_KEY) === true;
}

export function saveElderPreference(on: boolean): void {
  wx.setStorageSync(ELDERLY_MODE_KEY, on);
}

/** What a page should render now. */
export function isElderMode(): boolean {
  const app = theApp() as ReturnType<typeof theApp> | undefined;
  return app && app.globalData ? app.globalData.elderlyMode : readElderPreference();
}
