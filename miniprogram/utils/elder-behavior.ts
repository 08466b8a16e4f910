import { isElderMode } from './elder';

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
