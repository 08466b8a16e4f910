import { api } from '../../services/api';
import type { AttemptWithResult, QuizResult } from '../../services/quiz-types';
import { elderBehavior } from '../../utils/elder-behavior';
import { PAGES } from '../../utils/routes';

/**
 * After submit: score, pass or not, and every question with the right answer and why. A paper not handed in
 * yet has no result (it can be finished); a failed request offers to load again.
 */
Component({
  behaviors: [elderBehavior],
  data: {
    attemptId: '',
    loading: true,
    loadFailed: false,
    notSubmitted: false,
    result: null as QuizResult | null,
    items: [] as (QuizResult['items'][number] & { yourText: string; answerText: string })[],
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ attemptId: query.attemptId ?? '' });
      return this.load();
    },

    async load() {
      this.setData({ loading: true, loadFailed: false });
      try {
        const { result } = await api.get<AttemptWithResult>(`/api/v1/quiz/attempts/${this.data.attemptId}`, undefined, { silent: true });
        if (!result) {
          this.setData({ notSubmitted: true });
          return;
        }
        this.setData({
          result,
          items: result.items.map((i) => ({ ...i, yourText: i.yourChoice.join('、') || '没有作答', answerText: i.answer.join('、') })),
        });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onContinue() {
      wx.redirectTo({ url: `${PAGES.quizAnswer}?attemptId=${this.data.attemptId}` });
    },

    onCertificate() {
      const code = this.data.result?.certificateCode;
      if (code) wx.navigateTo({ url: `${PAGES.quizCert}?mine=1&code=${code}` });
    },

    /** A mistake leads to the article that explains it: by its health-literacy item, else its topic and words. */
    onLearn(e: WechatMiniprogram.BaseEvent) {
      const i = this.data.items[Number(e.currentTarget.dataset.index)];
      if (!i) return;
      const q = i.item ? `item=${i.item}` : `topic=${encodeURIComponent(i.topics[0] ?? '')}&text=${encodeURIComponent(i.stem.slice(0, 60))}`;
      wx.navigateTo({ url: `${PAGES.article}?${q}` });
    },

    onBack() {
      wx.navigateBack({ delta: 1 });
    },
  },
});
