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

/**
 * The elderly-mode lifecycle every page shares: `data.elder` set when the page is attached and again on every
 * show (the switch may have changed on 我的 meanwhile). The behavior owns `onShow`; a page that does more when
 * shown defines `onPageShow`, which runs after.
 */
export const elderBehavior = Behavior({
  data: { elder: false },
  lifetimes: {
    attached(this: WechatMiniprogram.Component.TrivialInstance) {
      this.setData({ elder: isElderMode() });
    },
  },
  methods: {
    onShow(this: WechatMiniprogram.Component.TrivialInstance): unknown {
      this.setData({ elder: isElderMode() });
      const next: unknown = this.onPageShow;
      return typeof next === 'function' ? (next as () => unknown).call(this) : undefined;
    },
  },
});
