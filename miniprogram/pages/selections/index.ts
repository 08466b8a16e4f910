import { selectionsApi, shortDay, type Round } from '../../services/selections';
import { isElderMode } from '../../utils/elder';

const row = (r: Round) => ({
  id: r.id,
  kindLabel: r.kindLabel,
  title: r.title,
  status: r.status,
  statusLabel: r.statusLabel,
  when: `${shortDay(r.voteFrom)}—${shortDay(r.voteTo)}`,
});

/** 评选 list: the rounds of the resident's town and district; a tap opens the candidates. */
Component({
  data: { elder: false, items: [] as Array<ReturnType<typeof row>>, loading: true, loadFailed: false },

  lifetimes: {
    attached() {
      this.setData({ elder: isElderMode() });
    },
  },

  methods: {
    onShow() {
      this.setData({ elder: isElderMode() });
      return this.load();
    },

    async load() {
      this.setData({ loadFailed: false });
      try {
        const { items } = await selectionsApi.rounds();
        this.setData({ items: items.map(row) });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onOpen(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `/pages/selections/round/index?id=${String(e.currentTarget.dataset.id)}` });
    },
  },
});
