import { formatTime, confirmCancelRegistration, talksApi, type MyRegistration } from '../../../services/talks';
import { elderBehavior } from '../../../utils/elder-behavior';

interface Row {
  registrationId: string;
  talkId: string;
  title: string;
  time: string;
  venue: string;
  statusText: string;
  canCancel: boolean;
  canRate: boolean;
}

function statusText(r: MyRegistration): string {
  if (r.talk.status === 'cancelled') return '活动已取消';
  if (r.status === 'cancelled') return '已取消报名';
  if (r.attended) return r.feedbackGiven ? '已参加，谢谢评价' : '已参加';
  if (r.status === 'confirmed') return r.seats > 1 ? `报名成功（${r.seats} 人）` : '报名成功';
  if (r.status === 'waitlisted') return `候补第 ${r.position ?? '?'} 位`;
  return '处理中';
}

const row = (r: MyRegistration): Row => ({
  registrationId: r.registrationId,
  talkId: r.talk.id,
  title: r.talk.title,
  time: formatTime(r.talk.startAt),
  venue: r.talk.venue,
  statusText: statusText(r),
  canCancel: (r.status === 'confirmed' || r.status === 'waitlisted') && r.talk.status !== 'cancelled' && Date.now() < new Date(r.talk.cancelCutoffAt).getTime(),
  canRate: r.attended && !r.feedbackGiven,
});

/** My registrations: status, waitlist place, cancel, and a way to rate what I attended. */
Component({
  behaviors: [elderBehavior],
  data: { items: [] as Row[], loading: true, loadFailed: false },

  methods: {
    onPageShow() {
      return this.load();
    },

    async load() {
      try {
        const page = await talksApi.mine();
        this.setData({ items: page.items.map(row), loadFailed: false });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onCancel(e: WechatMiniprogram.BaseEvent) {
      const talkId = String(e.currentTarget.dataset.talk);
      confirmCancelRegistration(talkId, () => this.load());
    },

    onRate(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `/pages/talks/feedback/index?id=${String(e.currentTarget.dataset.talk)}` });
    },

    onOpen(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `/pages/talks/detail/index?id=${String(e.currentTarget.dataset.talk)}` });
    },
  },
});
