import { showError } from '../../services/api';
import { screeningsApi, type MyScreenings } from '../../services/screenings';
import { confirmThen } from '../../utils/confirm';
import { elderBehavior } from '../../utils/elder-behavior';

type Item = MyScreenings['items'][number];

/**
 * 我的检查结果: each screening she agreed to have her results entered for; a result shows once staff release it —
 * what it is in plain words, the advice, and what happens next (the hospital with address and phone). She can
 * ask her follow-up worker to call back, say she went to the hospital, or withdraw the consent.
 */
Component({
  behaviors: [elderBehavior],
  data: { items: [] as Item[], loading: true, loadFailed: false, busy: false },

  methods: {
    onShow() {
      void this.load();
    },

    async load() {
      this.setData({ loadFailed: false });
      try {
        const r = await screeningsApi.mine();
        this.setData({ items: r.items });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    async act(fn: () => Promise<unknown>, done: string) {
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        await fn();
        wx.showToast({ title: done, icon: 'success', duration: 2500 });
        await this.load();
      } catch (err) {
        showError(err);
      } finally {
        this.setData({ busy: false });
      }
    },

    onCallBack(e: WechatMiniprogram.BaseEvent) {
      const id = String(e.currentTarget.dataset.id);
      void this.act(() => screeningsApi.callBack(id), '已通知随访员');
    },

    onWent(e: WechatMiniprogram.BaseEvent) {
      const id = String(e.currentTarget.dataset.id);
      void this.act(() => screeningsApi.went(id), '已记录');
    },

    onCall(e: WechatMiniprogram.BaseEvent) {
      const phone = String(e.currentTarget.dataset.phone);
      if (phone) wx.makePhoneCall({ phoneNumber: phone });
    },

    onWithdraw(e: WechatMiniprogram.BaseEvent) {
      const talkId = String(e.currentTarget.dataset.talk);
      confirmThen(
        {
          title: '撤回同意',
          content: '撤回后，这次检查的结果会从平台删除，只保留纸质报告，随访员也看不到了。确定撤回吗？',
          confirmText: '撤回',
          cancelText: '不撤回',
        },
        () => this.act(() => screeningsApi.setConsent(talkId, false), '已撤回'),
      );
    },

    onGive(e: WechatMiniprogram.BaseEvent) {
      const talkId = String(e.currentTarget.dataset.talk);
      void this.act(() => screeningsApi.setConsent(talkId, true), '已同意');
    },
  },
});
