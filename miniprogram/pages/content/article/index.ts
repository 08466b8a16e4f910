import { api } from '../../../services/api';
import type { Article, ArticleRef, Completed } from '../../../services/content-types';
import { elderBehavior } from '../../../utils/elder-behavior';
import { isElderMode } from '../../../utils/elder';
import { autoReadChosen, chooseAutoRead, createReader, READ_LABELS, type Reader, type ReadState } from '../../../utils/read-aloud';

/** One reader per page instance (kept outside data: it is not rendered). */
const readers = new WeakMap<object, Reader>();

/**
 * One article: the big 听 button (a recorded reading first, else speech), the text and pictures, the source. Read
 * to the bottom or heard to the end, it earns points once (within the day's cap). Opened from a quiz mistake
 * (`item`, or `topic` with the question's words) it finds the article that explains it first.
 */
Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    loadFailed: false,
    notFound: false,
    article: null as Article | null,
    readState: 'idle' as ReadState,
    readLabel: READ_LABELS.idle,
    autoRead: false,
    completed: false,
    pointsText: '',
  },
  lifetimes: {
    detached() {
      readers.get(this)?.stop();
    },
  },
  methods: {
    async onLoad(query: Record<string, string | undefined>) {
      try {
        let id = query.id;
        if (!id) {
          const ref = await api.get<ArticleRef>('/api/v1/content/for-question', {
            item: query.item,
            topic: query.topic ? decodeURIComponent(query.topic) : undefined,
            text: query.text ? decodeURIComponent(query.text) : undefined,
          });
          if (!ref.id) return this.setData({ notFound: true });
          id = ref.id;
        }
        const article = await api.get<Article>(`/api/v1/content/articles/${id}`);
        this.setData({ article, completed: article.mine.completed, autoRead: autoReadChosen() });
        wx.setNavigationBarTitle({ title: article.title });
        readers.set(
          this,
          createReader({
            text: article.speech,
            recordedUrl: article.audioUrl,
            onState: (readState) => this.setData({ readState, readLabel: READ_LABELS[readState] }),
            onEnded: () => void this.complete('listen'),
          }),
        );
        if (isElderMode() && autoReadChosen()) this.onListen();
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },
    onPageShow() {},
    onUnload() {
      readers.get(this)?.stop();
    },

    onListen() {
      const reader = readers.get(this);
      const article = this.data.article;
      if (!reader || !article) return;
      if (reader.state === 'idle') void api.post(`/api/v1/content/articles/${article.id}/listen`, {}, { silent: true }).catch(() => undefined);
      reader.toggle();
    },

    onAutoRead() {
      const on = !this.data.autoRead;
      chooseAutoRead(on);
      this.setData({ autoRead: on });
    },

    /** Scrolled to the end: read. */
    onReachBottom() {
      void this.complete('read');
    },

    async complete(how: 'read' | 'listen') {
      const article = this.data.article;
      if (!article || this.data.completed) return;
      this.setData({ completed: true });
      try {
        const r = await api.post<Completed>(`/api/v1/content/articles/${article.id}/complete`, { how }, { silent: true });
        const pointsText = r.pointsEarned > 0 ? `学完了，得 ${r.pointsEarned} 积分` : r.today >= r.dailyCap ? '学完了。今天的积分已经拿满' : '学完了';
        this.setData({ pointsText });
        if (r.pointsEarned > 0) wx.showToast({ title: `+${r.pointsEarned} 积分`, icon: 'none' });
      } catch {
        this.setData({ completed: false });
      }
    },

    onVideo() {
      const v = this.data.article?.video;
      if (!v) return;
      wx.openChannelsActivity({
        finderUserName: v.finderUserName,
        feedId: v.feedId,
        nonceId: v.nonceId ?? '',
        fail: () => wx.showToast({ title: '视频没有打开，请升级微信后再试', icon: 'none' }),
      });
    },

    /** Share as a mini-program card into a chat. */
    onShareAppMessage() {
      const a = this.data.article;
      return a ? { title: a.share.title, path: a.share.path, ...(a.coverUrl ? { imageUrl: a.coverUrl } : {}) } : { title: '健康知识' };
    },
  },
});
