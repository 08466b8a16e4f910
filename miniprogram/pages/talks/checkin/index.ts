import { messageFor } from '../../../services/api';
import { talkIdFromScene, talksApi } from '../../../services/talks';
import { elderBehavior } from '../../../utils/elder-behavior';

/**
 * Opened by scanning the session's code: WeChat passes the code's scene as `query.scene` (URL-encoded).
 * One step: check in and say so in big letters.
 */
Component({
  behaviors: [elderBehavior],
  data: { state: 'working' as 'working' | 'done' | 'failed', title: '', message: '', talkId: '' },


  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const scene = decodeURIComponent(query.scene ?? '');
      const talkId = talkIdFromScene(scene);
      if (!talkId) {
        this.setData({ state: 'failed', message: '这个二维码不是活动签到码' });
        return;
      }
      this.setData({ talkId });
      return this.checkIn(talkId, scene);
    },

    async checkIn(talkId: string, scene: string) {
      try {
        const r = await talksApi.checkIn(talkId, scene);
        this.setData({ state: 'done', title: r.title, message: '签到成功，请入座' });
      } catch (err) {
        this.setData({ state: 'failed', message: messageFor(err) });
      }
    },

    onMine() {
      wx.navigateTo({ url: '/pages/talks/mine/index' });
    },
  },
});
