import { talksApi } from '../../../services/talks';
import { elderBehavior } from '../../../utils/elder-behavior';

const STARS = [1, 2, 3, 4, 5];
const WORDS = ['', '不满意', '一般', '还行', '满意', '非常满意'];

/**
 * Rate a session: five big buttons and an optional comment. The session is read first, so the page says which
 * one is rated, and says plainly when there is nothing to rate (not checked in, or rated already).
 */
Component({
  behaviors: [elderBehavior],
  data: {
    id: '',
    state: 'loading' as 'loading' | 'failed' | 'not-attended' | 'rated' | 'form',
    title: '',
    stars: STARS,
    rating: 0,
    ratingWord: '',
    comment: '',
    busy: false,
    done: false,
    held: false,
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ id: query.id ?? '' });
      return this.load();
    },

    async load() {
      this.setData({ state: 'loading' });
      try {
        const talk = await talksApi.detail(this.data.id, { silent: true });
        this.setData({ title: talk.title, state: talk.feedbackGiven ? 'rated' : talk.attended ? 'form' : 'not-attended' });
      } catch {
        this.setData({ state: 'failed' });
      }
    },

    onStar(e: WechatMiniprogram.BaseEvent) {
      const rating = Number(e.currentTarget.dataset.n);
      this.setData({ rating, ratingWord: WORDS[rating] ?? '' });
    },

    onComment(e: WechatMiniprogram.Input) {
      this.setData({ comment: e.detail.value });
    },

    onMine() {
      wx.navigateBack({ delta: 1 });
    },

    async onSubmit() {
      if (!this.data.rating) {
        wx.showToast({ title: '请先点星星打分', icon: 'none' });
        return;
      }
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        const r = await talksApi.feedback(this.data.id, this.data.rating, this.data.comment.trim());
        this.setData({ done: true, held: r.commentState === 'review' });
      } catch {
        // the wrapper has shown why (e.g. 评价内容含有不适宜发布的信息)
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
