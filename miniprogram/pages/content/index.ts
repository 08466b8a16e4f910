import { api } from '../../services/api';
import type { ArticleSummary, Recommended } from '../../services/content-types';
import { labels } from '../../services/dictionaries';
import { elderBehavior } from '../../utils/elder-behavior';
import { PAGES } from '../../utils/routes';

type Page = { items: ArticleSummary[]; nextCursor: string | null };

/** The topics residents pick from, in the order they are shown. */
const TOPICS = ['hl66', 'sjsj', 'yysy', 'lafz', 'qcjk', 'laws', 'diet', 'mental', 'injury'] as const;

/**
 * 健康知识 (a tab): "recommended for me", the topics, search, and the articles of the chosen topic or search.
 * Each article opens on its own page, where it can be heard.
 */
Component({
  behaviors: [elderBehavior],
  data: {
    topics: TOPICS.map((key) => ({ key, label: labels('contentTopic')[key] })),
    topic: 'hl66' as string,
    query: '',
    searching: false,
    recommended: [] as Array<ArticleSummary & { reason: string }>,
    basis: '',
    items: [] as ArticleSummary[],
    nextCursor: null as string | null,
    loading: true,
    loadFailed: false,
  },
  methods: {
    onLoad() {
      void this.loadRecommended();
      void this.loadList();
    },
    onPageShow() {},

    async loadRecommended() {
      try {
        const r = await api.get<Recommended>('/api/v1/content/recommended', undefined, { silent: true });
        this.setData({ recommended: r.items.slice(0, 3), basis: r.basis });
      } catch {
        this.setData({ recommended: [] });
      }
    },

    async loadList(more = false) {
      const q = this.data.searching ? { q: this.data.query } : { topic: this.data.topic };
      this.setData({ loading: true, loadFailed: false });
      try {
        const page = await api.get<Page>('/api/v1/content/articles', {
          ...q,
          limit: 20,
          ...(more && this.data.nextCursor ? { cursor: this.data.nextCursor } : {}),
        });
        this.setData({ items: more ? [...this.data.items, ...page.items] : page.items, nextCursor: page.nextCursor });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onTopic(e: WechatMiniprogram.BaseEvent) {
      this.setData({ topic: String(e.currentTarget.dataset.key), searching: false, query: '' });
      void this.loadList();
    },
    onQueryInput(e: WechatMiniprogram.Input) {
      this.setData({ query: e.detail.value });
    },
    onSearch() {
      const query = this.data.query.trim();
      this.setData({ searching: Boolean(query), query });
      void this.loadList();
    },
    onMore() {
      void this.loadList(true);
    },
    onOpen(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `${PAGES.article}?id=${String(e.currentTarget.dataset.id)}` });
    },
  },
});
