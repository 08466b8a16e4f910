import { api, newIdempotencyKey } from '../../services/api';
import { pickPhotos, type Question } from '../../services/consult';
import { choices } from '../../services/dictionaries';
import { askForNotices, prefetchNoticeTemplates } from '../../services/notices';
import { elderBehavior } from '../../utils/elder-behavior';
import { PAGES } from '../../utils/routes';
import { normalizeMobile } from '../../utils/validate';

const TOPICS = choices('consultTopic');

/** 专家咨询: pick a topic, write the question, add up to 3 photos; a call back only when asked for. */
Component({
  behaviors: [elderBehavior],
  data: {
    topics: TOPICS,
    topic: '',
    text: '',
    photos: [] as string[],
    callBack: false,
    name: '',
    phone: '',
    errors: {} as Record<string, string>,
    busy: false,
    sent: null as null | { statusLabel: string; photosFailed: number },
  },

  methods: {
    onPageShow() {
      void prefetchNoticeTemplates();
    },

    onTopic(e: WechatMiniprogram.BaseEvent) {
      this.setData({ topic: String(e.currentTarget.dataset.key), 'errors.topic': '' });
    },

    onInput(e: WechatMiniprogram.Input) {
      const field = String(e.currentTarget.dataset.field);
      this.setData({ [field]: e.detail.value, [`errors.${field}`]: '' });
    },

    onCallBack(e: WechatMiniprogram.BaseEvent) {
      this.setData({ callBack: e.currentTarget.dataset.on === 'yes' });
    },

    async onAddPhotos() {
      const left = 3 - this.data.photos.length;
      if (left <= 0) return;
      const read = await pickPhotos(left);
      this.setData({ photos: [...this.data.photos, ...read].slice(0, 3) });
    },

    onRemovePhoto(e: WechatMiniprogram.BaseEvent) {
      const i = Number(e.currentTarget.dataset.index);
      this.setData({ photos: this.data.photos.filter((_, k) => k !== i) });
    },

    check(): boolean {
      const errors: Record<string, string> = {};
      if (!this.data.topic) errors.topic = '请先选一个主题';
      if (this.data.text.trim().length < 2) errors.text = '请写下您想问的问题';
      if (this.data.callBack) {
        if (!this.data.name.trim()) errors.name = '请写一个称呼，如“王阿姨”';
        if (!normalizeMobile(this.data.phone)) errors.phone = '请填写 11 位手机号码';
      }
      this.setData({ errors });
      return Object.keys(errors).length === 0;
    },

    async onSubmit() {
      if (this.data.busy || !this.check()) return;
      void askForNotices('consult'); // inside the tap, before anything awaits
      this.setData({ busy: true });
      try {
        const q = await api.post<Question>(
          '/api/v1/consult/questions',
          {
            topic: this.data.topic,
            text: this.data.text.trim(),
            photoCount: this.data.photos.length,
            ...(this.data.callBack ? { callBack: { name: this.data.name.trim(), phone: normalizeMobile(this.data.phone) } } : {}),
          },
          { idempotencyKey: newIdempotencyKey() },
        );
        let failed = 0;
        for (const dataBase64 of this.data.photos) {
          try {
            await api.post(`/api/v1/consult/questions/${q.id}/photos`, { dataBase64 }, { idempotencyKey: newIdempotencyKey(), silent: true });
          } catch {
            failed++;
          }
        }
        this.setData({ sent: { statusLabel: q.statusLabel, photosFailed: failed } });
      } catch {
        // the toast says why (e.g. content not allowed); the text stays for a change
      } finally {
        this.setData({ busy: false });
      }
    },

    onMine() {
      wx.navigateTo({ url: PAGES.consultMine });
    },

    onFaq() {
      wx.navigateTo({ url: PAGES.consultFaq });
    },

    onAgain() {
      this.setData({ sent: null, text: '', photos: [], callBack: false, name: '', phone: '', topic: '' });
    },
  },
});
