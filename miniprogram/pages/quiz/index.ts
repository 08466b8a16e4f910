import { labels } from '../../services/dictionaries';
import { api } from '../../services/api';
import type { ContestSummary, Points, Topic, WrongBook } from '../../services/quiz-types';
import { elderBehavior } from '../../utils/elder-behavior';
import { PAGES } from '../../utils/routes';

const STATE_TEXT: Readonly<Record<ContestSummary['state'], string>> = labels('contestState');

/** The 答题 hub: today's practice, contests, topics and the wrong-answer book, each one big tap away. */
Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    loadFailed: false,
    points: null as Points | null,
    contests: [] as (ContestSummary & { stateText: string; left: number; minutes: number })[],
    topics: [] as Topic[],
    wrongCount: 0,
  },

  methods: {
    onPageShow() {
      return this.load();
    },

    async load() {
      this.setData({ loadFailed: false });
      try {
        const [contests, topics, book, points] = await Promise.all([
          api.get<{ items: ContestSummary[] }>('/api/v1/quiz/contests'),
          api.get<{ items: Topic[] }>('/api/v1/quiz/topics'),
          api.get<WrongBook>('/api/v1/quiz/wrong-book'),
          api.get<Points>('/api/v1/quiz/points'),
        ]);
        this.setData({
          contests: contests.items.map((c) => ({
            ...c,
            stateText: STATE_TEXT[c.state],
            left: Math.max(0, c.attemptsTotal - c.attemptsUsed),
            minutes: Math.ceil(c.timeLimitSec / 60),
          })),
          topics: topics.items,
          wrongCount: book.count,
          points,
        });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onDaily() {
      wx.navigateTo({ url: `${PAGES.quizAnswer}?mode=daily` });
    },

    onContest(e: WechatMiniprogram.BaseEvent) {
      const id = String(e.currentTarget.dataset.id ?? '');
      const contest = this.data.contests.find((c) => c.id === id);
      if (!contest || contest.state !== 'open') return;
      // A paper left half-way is finished, not started again (that would spend another of the day's tries).
      const url = contest.openAttemptId ? `${PAGES.quizAnswer}?attemptId=${contest.openAttemptId}` : `${PAGES.quizAnswer}?mode=contest&contestId=${id}`;
      wx.navigateTo({ url });
    },

    onRank(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `${PAGES.quizRank}?contestId=${String(e.currentTarget.dataset.id ?? '')}` });
    },

    onCertificate(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `${PAGES.quizCert}?mine=1&code=${String(e.currentTarget.dataset.code ?? '')}` });
    },

    onTopic(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `${PAGES.quizAnswer}?mode=topic&topic=${encodeURIComponent(String(e.currentTarget.dataset.tag ?? ''))}` });
    },

    onWrongBook() {
      if (this.data.wrongCount === 0) {
        wx.showToast({ title: '错题本是空的，继续保持！', icon: 'none', duration: 2000 });
        return;
      }
      wx.navigateTo({ url: `${PAGES.quizAnswer}?mode=wrongbook` });
    },
  },
});
