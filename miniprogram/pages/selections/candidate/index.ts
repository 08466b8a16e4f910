import { photoUrl, selectionsApi, type Candidate } from '../../../services/selections';
import { isElderMode } from '../../../utils/elder';

/** A candidate's story and photos, with the vote button. */
Component({
  data: { elder: false, id: '', nid: '', candidate: null as Candidate | null, photos: [] as string[], busy: false, loadFailed: false },

  lifetimes: {
    attached() {
      this.setData({ elder: isElderMode() });
    },
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ id: query.id ?? '', nid: query.nid ?? '' });
      return this.load();
    },

    onShow() {
      this.setData({ elder: isElderMode() });
    },

    async load() {
      this.setData({ loadFailed: false });
      try {
        const candidate = await selectionsApi.candidate(this.data.id, this.data.nid);
        this.setData({ candidate, photos: candidate.photoIds.map((p) => photoUrl(this.data.id, this.data.nid, p)) });
      } catch {
        this.setData({ loadFailed: true });
      }
    },

    async onVote() {
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        const r = await selectionsApi.vote(this.data.id, this.data.nid);
        wx.showToast({ title: r.remainingToday > 0 ? `投票成功，今天还能投 ${r.remainingToday} 票` : '投票成功', icon: 'none', duration: 2500 });
      } catch {
        // The wrapper has shown the server's message.
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
