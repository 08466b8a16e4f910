import { api } from '../../services/api';
import type { AttemptWithResult, QuizResult } from '../../services/quiz-types';
import { elderBehavior } from '../../utils/elder-behavior';
import { PAGES } from '../../utils/routes';

/** After submit: score, pass or not, and every question with the right answer and why. */
Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    loadFailed: false,
    result: null as QuizResult | null,
    items: [] as (QuizResult['items'][number] & { yourText: string; answerText: string })[],
  },


  methods: {
    async onLoad(query: Record<string, string | undefined>) {
      try {
        const { result } = await api.get<AttemptWithResult>(`/api/v1/quiz/attempts/${query.attemptId ?? ''}`);
        if (!result) throw new Error('not submitted');
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

    onPageShow() {
    },

    onCertificate() {
      const code = this.data.result?.certificateCode;
      if (code) wx.navigateTo({ url: `${PAGES.quizCert}?mine=1&code=${code}` });
    },

    onBack() {
      wx.navigateBack({ delta: 1 });
    },
  },
});
