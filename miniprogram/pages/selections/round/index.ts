import { certificateUrl, photoUrl, selectionsApi, type Candidate, type Round, type RoundView } from '../../../services/selections';
import { isElderMode } from '../../../utils/elder';

interface Row {
  id: string;
  name: string;
  excerpt: string;
  photo: string;
  votes: number | null;
  votedToday: boolean;
}

const excerpt = (s: string) => (s.length > 60 ? `${s.slice(0, 60)}…` : s);

/** One round: candidates by village with a big 投一票 button, what is left to vote today, and the results. */
Component({
  data: {
    elder: false,
    id: '',
    round: null as Round | null,
    villages: [] as Array<{ villageCode: string; villageName: string; candidates: Row[] }>,
    winners: [] as Array<{ rank: number; nominationId: string; name: string; villageName: string; votes: number; cert: string }>,
    voting: false,
    remaining: 0,
    todayText: '',
    busy: false,
    loadFailed: false,
  },

  lifetimes: {
    attached() {
      this.setData({ elder: isElderMode() });
    },
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ id: query.id ?? '' });
    },

    onShow() {
      this.setData({ elder: isElderMode() });
      return this.load();
    },

    async load() {
      this.setData({ loadFailed: false });
      try {
        const view = await selectionsApi.round(this.data.id);
        this.show(view);
        if (view.round.status === 'published') {
          const { winners } = await selectionsApi.results(this.data.id);
          this.setData({ winners: winners.map((w) => ({ ...w, cert: certificateUrl(this.data.id, w.nominationId) })) });
        }
      } catch {
        this.setData({ loadFailed: true });
      }
    },

    show(view: RoundView) {
      const voted = new Set(view.today.votedFor);
      const row = (c: Candidate): Row => ({
        id: c.id,
        name: c.name,
        excerpt: excerpt(c.story),
        votes: c.votes,
        votedToday: voted.has(c.id),
        photo: c.photoIds[0] ? photoUrl(this.data.id, c.id, c.photoIds[0]) : '',
      });
      const voting = view.round.status === 'voting';
      this.setData({
        round: view.round,
        villages: view.villages.map((v) => ({ villageCode: v.villageCode, villageName: v.villageName, candidates: v.candidates.map(row) })),
        voting,
        remaining: view.today.remaining,
        todayText: view.today.remaining > 0 ? `今天还能投 ${view.today.remaining} 票（每位候选每天 1 票）` : '今天的票已经投完了，明天再来',
      });
    },

    async onVote(e: WechatMiniprogram.BaseEvent) {
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        const r = await selectionsApi.vote(this.data.id, String(e.currentTarget.dataset.id));
        wx.showToast({ title: r.remainingToday > 0 ? `投票成功，今天还能投 ${r.remainingToday} 票` : '投票成功', icon: 'none', duration: 2500 });
        await this.load();
      } catch {
        // The wrapper has shown the server's message (already voted, no votes left…).
      } finally {
        this.setData({ busy: false });
      }
    },

    onOpen(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `/pages/selections/candidate/index?id=${this.data.id}&nid=${String(e.currentTarget.dataset.id)}` });
    },
  },
});
