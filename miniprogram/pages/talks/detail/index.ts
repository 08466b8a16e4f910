import { askForReminders, formatTime, KIND_NAMES, confirmCancelRegistration, talksApi, type TalkDetail } from '../../../services/talks';
import { newIdempotencyKey } from '../../../services/api';
import { elderBehavior } from '../../../utils/elder-behavior';

function statusText(t: TalkDetail): string {
  const r = t.myRegistration;
  if (r?.status === 'confirmed') return r.seats > 1 ? `您已报名成功（${r.seats} 人）` : '您已报名成功';
  if (r?.status === 'waitlisted') return `您在候补名单第 ${r.position ?? '?'} 位，有人取消会按顺序补上`;
  if (t.status === 'cancelled') return '本场活动已取消';
  if (t.status !== 'published') return '本场活动已停止报名';
  return '';
}

/** One session: when, where, who speaks, seats left; sign up (asking for reminders first) or cancel. */
Component({
  behaviors: [elderBehavior],
  data: {
    id: '',
    talk: null as TalkDetail | null,
    kindName: '',
    time: '',
    seats: 1,
    status: '',
    canSignUp: false,
    canCancel: false,
    busy: false,
    loadFailed: false,
  },


  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ id: query.id ?? '' });
    },

    onPageShow() {
      return this.load();
    },

    async load() {
      if (!this.data.id) return;
      try {
        const talk = await talksApi.detail(this.data.id);
        const now = Date.now();
        const open = talk.status === 'published' && now < new Date(talk.signupClosesAt).getTime();
        this.setData({
          talk,
          loadFailed: false,
          kindName: KIND_NAMES[talk.kind],
          time: `${formatTime(talk.startAt)} — ${formatTime(talk.endAt).slice(11)}`,
          status: statusText(talk),
          canSignUp: open && !talk.myRegistration && (talk.seatsLeft > 0 || talk.waitlistEnabled),
          canCancel: Boolean(talk.myRegistration) && now < new Date(talk.cancelCutoffAt).getTime(),
        });
      } catch {
        this.setData({ loadFailed: true });
      }
    },

    onSeats(e: WechatMiniprogram.BaseEvent) {
      const max = this.data.talk?.maxSeatsPerRegistration ?? 1;
      const next = this.data.seats + Number(e.currentTarget.dataset.step);
      this.setData({ seats: Math.min(max, Math.max(1, next)) });
    },

    /** The reminder request must start inside this tap handler (WeChat's rule), before anything awaits. */
    async onSignUp() {
      if (this.data.busy || !this.data.talk) return;
      this.setData({ busy: true });
      const asked = askForReminders();
      const key = newIdempotencyKey();
      try {
        await asked;
        const r = await talksApi.signUp(this.data.talk.id, this.data.seats, key);
        wx.showToast({ title: r.status === 'confirmed' ? '报名成功' : `已候补第 ${r.position ?? ''} 位`, icon: r.status === 'confirmed' ? 'success' : 'none', duration: 2500 });
        await this.load();
      } catch {
        // the request wrapper has shown the reason
      } finally {
        this.setData({ busy: false });
      }
    },

    onCancel() {
      if (!this.data.talk) return;
      const id = this.data.talk.id;
      confirmCancelRegistration(id, () => this.load());
    },
  },
});
