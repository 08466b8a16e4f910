import { api, newIdempotencyKey } from '../../services/api';
import { dayOf, pickPhotos, STARS, type ResidentRequest } from '../../services/consult';
import { choices } from '../../services/dictionaries';
import { askForNotices, prefetchNoticeTemplates } from '../../services/notices';
import { elderBehavior } from '../../utils/elder-behavior';

interface Row extends ResidentRequest {
  day: string;
  timeline: Array<ResidentRequest['steps'][number] & { day: string }>;
}

const row = (r: ResidentRequest): Row => ({ ...r, day: dayOf(r.createdAt), timeline: r.steps.map((s) => ({ ...s, day: dayOf(s.at) })) });

/** 有事找村里: raise a request (kind, words, photos); follow each step with its date; rate the reply or send it back. */
Component({
  behaviors: [elderBehavior],
  data: {
    kinds: choices('requestKind'),
    writing: false,
    kind: '',
    text: '',
    photos: [] as string[],
    errors: {} as Record<string, string>,
    items: [] as Row[],
    loading: true,
    loadFailed: false,
    stars: STARS,
    rating: {} as Record<string, number>,
    reason: {} as Record<string, string>,
    busy: false,
  },

  methods: {
    onPageShow() {
      void prefetchNoticeTemplates();
      return this.load();
    },

    async load() {
      try {
        const list = await api.get<{ items: ResidentRequest[] }>('/api/v1/requests');
        this.setData({ items: list.items.map(row), loadFailed: false });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onStart() {
      this.setData({ writing: true, kind: '', text: '', photos: [], errors: {} });
    },

    onCancel() {
      this.setData({ writing: false });
    },

    onKind(e: WechatMiniprogram.BaseEvent) {
      this.setData({ kind: String(e.currentTarget.dataset.key), 'errors.kind': '' });
    },

    onInput(e: WechatMiniprogram.Input) {
      this.setData({ text: e.detail.value, 'errors.text': '' });
    },

    async onAddPhotos() {
      const read = await pickPhotos(3 - this.data.photos.length);
      this.setData({ photos: [...this.data.photos, ...read].slice(0, 3) });
    },

    async onSubmit() {
      const errors: Record<string, string> = {};
      if (!this.data.kind) errors.kind = '请选是哪一类事';
      if (this.data.text.trim().length < 2) errors.text = '请写下您的事情';
      this.setData({ errors });
      if (Object.keys(errors).length || this.data.busy) return;
      void askForNotices('request'); // inside the tap, before anything awaits
      this.setData({ busy: true });
      try {
        const r = await api.post<ResidentRequest>(
          '/api/v1/requests',
          { kind: this.data.kind, text: this.data.text.trim() },
          { idempotencyKey: newIdempotencyKey() },
        );
        for (const dataBase64 of this.data.photos) {
          await api.post(`/api/v1/requests/${r.id}/photos`, { dataBase64 }, { idempotencyKey: newIdempotencyKey(), silent: true }).catch(() => undefined);
        }
        wx.showToast({ title: '已交给村里', icon: 'success' });
        this.setData({ writing: false });
        await this.load();
      } catch {
        // toast already shown
      } finally {
        this.setData({ busy: false });
      }
    },

    onStar(e: WechatMiniprogram.BaseEvent) {
      this.setData({ [`rating.${String(e.currentTarget.dataset.id)}`]: Number(e.currentTarget.dataset.n) });
    },

    onReason(e: WechatMiniprogram.Input) {
      this.setData({ [`reason.${String(e.currentTarget.dataset.id)}`]: e.detail.value });
    },

    async move(id: string, to: 'close' | 'reopen') {
      const rating = this.data.rating[id];
      if (!rating) {
        wx.showToast({ title: '请先点星星打分', icon: 'none' });
        return;
      }
      const note = (this.data.reason[id] ?? '').trim();
      if (to === 'reopen' && !note) {
        wx.showToast({ title: '请说一说哪里不满意', icon: 'none' });
        return;
      }
      this.setData({ busy: true });
      try {
        await api.post(`/api/v1/requests/${id}/${to}`, { rating, ...(note ? { note } : {}) });
        wx.showToast({ title: to === 'close' ? '谢谢您的评价' : '已退回重新办理', icon: 'success' });
        await this.load();
      } catch {
        // toast already shown
      } finally {
        this.setData({ busy: false });
      }
    },

    onClose(e: WechatMiniprogram.BaseEvent) {
      return this.move(String(e.currentTarget.dataset.id), 'close');
    },

    onReopen(e: WechatMiniprogram.BaseEvent) {
      return this.move(String(e.currentTarget.dataset.id), 'reopen');
    },
  },
});
