import { api } from '../../../services/api';
import type { Faq } from '../../../services/consult';
import { choices } from '../../../services/dictionaries';
import { elderBehavior } from '../../../utils/elder-behavior';

/** 常见问题: answers experts gave, names removed, by topic; a few words find them. */
Component({
  behaviors: [elderBehavior],
  data: {
    topics: [{ key: '', label: '全部' }, ...choices('consultTopic')],
    topic: '',
    q: '',
    items: [] as Faq[],
    open: '' as string,
    loading: true,
    loadFailed: false,
  },

  methods: {
    onPageShow() {
      return this.load();
    },

    async load() {
      this.setData({ loading: true });
      try {
        const page = await api.get<{ items: Faq[] }>(
          '/api/v1/consult/faq',
          { topic: this.data.topic || undefined, q: this.data.q.trim() || undefined },
          { auth: false },
        );
        this.setData({ items: page.items, loadFailed: false });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onInput(e: WechatMiniprogram.Input) {
      this.setData({ q: e.detail.value });
    },

    onSearch() {
      return this.load();
    },

    onTopic(e: WechatMiniprogram.BaseEvent) {
      this.setData({ topic: String(e.currentTarget.dataset.key) });
      return this.load();
    },

    onToggle(e: WechatMiniprogram.BaseEvent) {
      const id = String(e.currentTarget.dataset.id);
      this.setData({ open: this.data.open === id ? '' : id });
    },
  },
});
