import { choices } from '../../services/dictionaries';
import { formatTime, KIND_NAMES, talksApi, type Talk, type TalkKind } from '../../services/talks';
import { elderBehavior } from '../../utils/elder-behavior';

const FILTERS: Array<{ key: '' | TalkKind; name: string }> = [{ key: '', name: '全部' }, ...choices('talkKind').map((c) => ({ key: c.key, name: c.label }))];

interface Row {
  id: string;
  title: string;
  kindName: string;
  time: string;
  venue: string;
  seatsText: string;
  full: boolean;
}

const row = (t: Talk): Row => ({
  id: t.id,
  title: t.title,
  kindName: KIND_NAMES[t.kind],
  time: formatTime(t.startAt),
  venue: t.venue,
  seatsText: t.status === 'closed' ? '已停止报名' : t.seatsLeft > 0 ? `还剩 ${t.seatsLeft} 个名额` : t.waitlistEnabled ? '名额已满，可以候补' : '名额已满',
  full: t.seatsLeft === 0,
});

/** 讲座 list: upcoming sessions, one filter row, big cards; a tap opens the detail. */
Component({
  behaviors: [elderBehavior],
  data: {
    filters: FILTERS,
    kind: '' as '' | TalkKind,
    items: [] as Row[],
    nextCursor: null as string | null,
    /** mine: sessions of my village, town and the whole district; all: every town's. */
    scope: 'mine' as 'mine' | 'all',
    loading: true,
    loadFailed: false,
  },

  methods: {
    onPageShow() {
      return this.load();
    },

    async load(more = false) {
      this.setData(more ? { loadFailed: false } : { loadFailed: false, loading: this.data.items.length === 0 });
      try {
        const kind = this.data.kind || undefined;
        const cursor = more ? (this.data.nextCursor ?? undefined) : undefined;
        const page = await talksApi.list({
          ...(kind ? { kind } : {}),
          ...(cursor ? { cursor } : {}),
          ...(this.data.scope === 'mine' ? { scope: 'mine' as const } : {}),
        });
        const rows = page.items.map(row);
        this.setData({ items: more ? [...this.data.items, ...rows] : rows, nextCursor: page.nextCursor });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onFilter(e: WechatMiniprogram.BaseEvent) {
      const kind = String(e.currentTarget.dataset.kind ?? '') as '' | TalkKind;
      this.setData({ kind, items: [], loading: true });
      return this.load();
    },

    /** Other towns' sessions only on request: most of them would refuse a resident from elsewhere. */
    onScope() {
      this.setData({ scope: this.data.scope === 'mine' ? 'all' : 'mine', items: [], loading: true });
      return this.load();
    },

    onMore() {
      return this.load(true);
    },

    onOpen(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `/pages/talks/detail/index?id=${String(e.currentTarget.dataset.id)}` });
    },

    /**
     * 扫码签到 inside the app: the session's code is a mini-program code, so the scan gives its page path with the
     * scene (`pages/talks/checkin/index?scene=…`); anything else is not a check-in code.
     */
    onScan() {
      wx.scanCode({
        onlyFromCamera: true,
        scanType: ['wxCode', 'qrCode'],
        success: (res) => {
          const path = (res as { path?: string }).path ?? '';
          if (/^\/?pages\/talks\/checkin\/index\?scene=/.test(path)) wx.navigateTo({ url: path.startsWith('/') ? path : `/${path}` });
          else wx.showToast({ title: '这不是活动签到码，请扫会场贴的签到码', icon: 'none', duration: 3000 });
        },
      });
    },

    onMine() {
      wx.navigateTo({ url: '/pages/talks/mine/index' });
    },
  },
});
