/** Elderly mode: a device preference (storage) mirrored in app.globalData and on the server. */
import { theApp } from './app';

export const ELDERLY_MODE_KEY = 'elderlyMode';

export function readElderPreference(): boolean {
  return wx.getStorageSync(ELDERLY_MODE_KEY) === true;
}

export function saveElderPreference(on: boolean): void {
  wx.setStorageSync(ELDERLY_MODE_KEY, on);
}

const ELDER_ASKED_KEY = 'elderlyModeAsked';

/** Whether the resident has answered the first-launch question (or used the switch on 我的). */
export function elderChoiceMade(): boolean {
  return wx.getStorageSync(ELDER_ASKED_KEY) === true || wx.getStorageSync(ELDERLY_MODE_KEY) === true;
}

export function markElderChoiceMade(): void {
  wx.setStorageSync(ELDER_ASKED_KEY, true);
}

/** What a page should render now. */
export function isElderMode(): boolean {
  const app = theApp() as ReturnType<typeof theApp> | undefined;
  return app && app.globalData ? app.globalData.elderlyMode : readElderPreference();
}
