import { api, newIdempotencyKey } from '../../../services/api';
import { dayOf, STARS, type Question } from '../../../services/consult';
import { elderBehavior } from '../../../utils/elder-behavior';

interface Row extends Question {
  day: string;
  answerDay: string;
}

const row = (q: Question): Row => ({ ...q, day: dayOf(q.createdAt), answerDay: q.answer ? dayOf(q.answer.at) : '' });

/** 我的咨询: each question with its answer; one follow-up; a rating, and whether it may be shared without names. */
Component({
  behaviors: [elderBehavior],
  data: {
    items: [] as Row[],
    loading: true,
    loadFailed: false,
    stars: STARS,
    /** Per question id: the follow-up being written, the stars picked, the sharing consent. */
    followUp: {} as Record<string, string>,
    rating: {} as Record<string, number>,
    share: {} as Record<string, boolean>,
    busy: false,
  },

  methods: {
    onPageShow() {
      return this.load();
    },

    async load() {
      try {
        const list = await api.get<{ items: Question[] }>('/api/v1/consult/questions');
        this.setData({ items: list.items.map(row), loadFailed: false });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onFollowUpInput(e: WechatMiniprogram.Input) {
      this.setData({ [`followUp.${String(e.currentTarget.dataset.id)}`]: e.detail.value });
    },

    async onFollowUp(e: WechatMiniprogram.BaseEvent) {
      const id = String(e.currentTarget.dataset.id);
      const text = (this.data.followUp[id] ?? '').trim();
      if (text.length < 2 || this.data.busy) {
        wx.showToast({ title: '请写下想追问的内容', icon: 'none' });
        return;
      }
      this.setData({ busy: true });
      try {
        await api.post(`/api/v1/consult/questions/${id}/follow-up`, { text }, { idempotencyKey: newIdempotencyKey() });
        wx.showToast({ title: '追问已发给专家', icon: 'success' });
        await this.load();
      } catch {
        // toast already shown
      } finally {
        this.setData({ busy: false });
      }
    },

    onStar(e: WechatMiniprogram.BaseEvent) {
      this.setData({ [`rating.${String(e.currentTarget.dataset.id)}`]: Number(e.currentTarget.dataset.n) });
    },

    onShare(e: WechatMiniprogram.BaseEvent) {
      const id = String(e.currentTarget.dataset.id);
      this.setData({ [`share.${id}`]: !this.data.share[id] });
    },

    async onRate(e: WechatMiniprogram.BaseEvent) {
      const id = String(e.currentTarget.dataset.id);
      const rating = this.data.rating[id];
      if (!rating) {
        wx.showToast({ title: '请点星星打分', icon: 'none' });
        return;
      }
      this.setData({ busy: true });
      try {
        await api.post(`/api/v1/consult/questions/${id}/rating`, { rating, allowPublish: Boolean(this.data.share[id]) });
        wx.showToast({ title: '谢谢您的评价', icon: 'success' });
        await this.load();
      } catch {
        // toast already shown
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
