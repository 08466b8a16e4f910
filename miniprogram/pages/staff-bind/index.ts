import { api, messageFor } from '../../services/api';
import type { components } from '../../services/api-types';
import { elderBehavior } from '../../utils/elder-behavior';

type Confirmed = components['schemas']['StaffBindConfirmed'];

/** `sb=<code>` in the scene of the code the staff console shows; anything else is not a bind code. */
function codeFromScene(scene: string): string {
  const m = /^sb=([0-9A-Za-z]{8})$/.exec(scene);
  return m ? m[1]!.toUpperCase() : '';
}

/**
 * Opened by scanning "绑定我的微信" in the staff console. One tap links this WeChat user to the staff account;
 * then the page shows the message to send the group bot so its private-chat commands know them too.
 */
Component({
  behaviors: [elderBehavior],
  data: { code: '', state: 'ready' as 'ready' | 'working' | 'done' | 'failed', message: '', staffName: '', botCommand: '' },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ code: codeFromScene(decodeURIComponent(query.scene ?? '')) });
    },

    onInput(e: WechatMiniprogram.Input) {
      this.setData({ code: e.detail.value.trim().toUpperCase(), message: '' });
    },

    async onConfirm() {
      if (!/^[0-9A-Z]{8}$/.test(this.data.code)) {
        this.setData({ state: 'failed', message: '请输入管理后台显示的 8 位绑定码' });
        return;
      }
      this.setData({ state: 'working', message: '' });
      try {
        const r = await api.post<Confirmed>('/api/v1/staff-bind', { code: this.data.code }, { silent: true });
        this.setData({ state: 'done', staffName: r.staffName, botCommand: r.botCommand });
      } catch (err) {
        this.setData({ state: 'failed', message: messageFor(err) });
      }
    },

    onCopy() {
      wx.setClipboardData({ data: this.data.botCommand });
    },
  },
});
