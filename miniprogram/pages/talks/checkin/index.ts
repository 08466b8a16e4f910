import { ApiError, messageFor } from '../../../services/api';
import { talkIdFromScene, talksApi } from '../../../services/talks';
import { elderBehavior } from '../../../utils/elder-behavior';

/**
 * Opened by scanning the session's code: WeChat passes the code's scene as `query.scene` (URL-encoded).
 * One step: check in and say so in big letters. A refusal (not registered, too early…) is final and says why;
 * a network failure offers the same check-in again; a code that is not a session code says so.
 */
Component({
  behaviors: [elderBehavior],
  data: {
    state: 'working' as 'working' | 'done' | 'refused' | 'failed' | 'not-a-code',
    title: '',
    message: '',
    talkId: '',
    scene: '',
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const scene = decodeURIComponent(query.scene ?? '');
      const talkId = talkIdFromScene(scene);
      if (!talkId) {
        this.setData({ state: 'not-a-code', message: '这个二维码不是活动签到码' });
        return;
      }
      this.setData({ talkId, scene });
      return this.checkIn();
    },

    async checkIn() {
      this.setData({ state: 'working' });
      try {
        const r = await talksApi.checkIn(this.data.talkId, this.data.scene);
        this.setData({ state: 'done', title: r.title, message: '签到成功，请入座' });
      } catch (err) {
        const refused = err instanceof ApiError && err.status >= 400 && err.status < 500;
        this.setData({ state: refused ? 'refused' : 'failed', message: refused ? messageFor(err) : '网络不太好，还没有签上。' });
      }
    },

    onMine() {
      wx.navigateTo({ url: '/pages/talks/mine/index' });
    },
  },
});
