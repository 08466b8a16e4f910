import { formatTime, KIND_NAMES, confirmCancelRegistration, talksApi, type TalkDetail } from '../../../services/talks';
import { ApiError, newIdempotencyKey } from '../../../services/api';
import { askForNotices, prefetchNoticeTemplates } from '../../../services/notices';
import { theApp } from '../../../utils/app';
import { hasCurrentConsent } from '../../../utils/consent';
import { elderBehavior } from '../../../utils/elder-behavior';
import { RESULTS_CONSENT_TEXT, screeningsApi } from '../../../services/screenings';
import { PAGES } from '../../../utils/routes';
import { createReader, READ_LABELS, type Reader, type ReadState } from '../../../utils/read-aloud';

/** The notice's reader, per page instance. */
const readers = new WeakMap<object, Reader>();

function statusText(t: TalkDetail): string {
  const r = t.myRegistration;
  if (r?.status === 'confirmed') return r.seats > 1 ? `您已报名成功（${r.seats} 人）` : '您已报名成功';
  if (r?.status === 'waitlisted') return `您在候补名单第 ${r.position ?? '?'} 位，有人取消会按顺序补上`;
  if (t.status === 'cancelled') return '本场活动已取消';
  if (t.status !== 'published') return '本场活动已停止报名';
  return '';
}

/** What stops a sign-up that the resident can fix on another page, and that page. */
type Blocker = 'consent' | 'contact' | 'sexBirth' | null;

function fixPage(b: Exclude<Blocker, null>): string {
  return b === 'consent' ? PAGES.privacy : `${PAGES.profile}?need=${b}&back=1`;
}

/**
 * One session: when, where, who may come, seats left. Sign-up asks for the notices first (inside the tap), then
 * sends the resident to whatever is missing — consent, name and phone, sex and birth year — and, when they come
 * back with it done, finishes the sign-up without another tap. Someone the rule excludes sees why, greyed out.
 */
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
    /** The rule keeps this resident out (NOT_ELIGIBLE, AREA_MISMATCH): the button is greyed with this reason. */
    blockedReason: '',
    canCancel: false,
    busy: false,
    loading: true,
    loadFailed: false,
    /** A screening or check-up: its results may be entered into the platform, with a consent of its own. */
    screening: false,
    resultsConsent: false,
    resultsConsentText: RESULTS_CONSENT_TEXT,
    /** What the resident left to fix; coming back with it done continues the sign-up. */
    resumeSignUp: '' as '' | Exclude<Blocker, null>,
    readState: 'idle' as ReadState,
    readLabel: READ_LABELS.idle,
  },

  lifetimes: {
    detached() {
      readers.get(this)?.stop();
    },
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ id: query.id ?? '' });
    },

    /** Back from a fixing page: the next missing thing, or the sign-up itself; the same gap again means they gave up. */
    async onPageShow() {
      void prefetchNoticeTemplates();
      await this.load();
      const left = this.data.resumeSignUp;
      if (!left) return;
      this.setData({ resumeSignUp: '' });
      if (!this.data.canSignUp || this.data.blockedReason) return;
      const next = this.blocker();
      if (!next) await this.signUp();
      else if (next !== left) this.goFix(next);
    },

    goFix(b: Exclude<Blocker, null>) {
      this.setData({ resumeSignUp: b });
      wx.navigateTo({ url: fixPage(b) });
    },

    async load() {
      if (!this.data.id) return;
      this.setData({ loadFailed: false });
      try {
        const talk = await talksApi.detail(this.data.id);
        const now = Date.now();
        const open = talk.status === 'published' && now < new Date(talk.signupClosesAt).getTime();
        const ruledOut = talk.myEligibility && !talk.myEligibility.eligible && talk.myEligibility.code !== 'PROFILE_INCOMPLETE';
        this.setData({
          talk,
          kindName: KIND_NAMES[talk.kind],
          screening: talk.kind === 'screening' || talk.kind === 'checkup',
          time: `${formatTime(talk.startAt)} — ${formatTime(talk.endAt).slice(11)}`,
          status: statusText(talk),
          canSignUp: open && !talk.myRegistration && (talk.seatsLeft > 0 || talk.waitlistEnabled),
          blockedReason: open && !talk.myRegistration && ruledOut ? (talk.myEligibility.reason ?? '') : '',
          canCancel: Boolean(talk.myRegistration) && now < new Date(talk.cancelCutoffAt).getTime(),
        });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    /** What the resident still has to give before this sign-up can go through. */
    blocker(): Blocker {
      const resident = theApp().globalData.resident;
      if (!hasCurrentConsent(resident)) return 'consent';
      if (!resident || !resident.profileComplete) return 'contact';
      if (this.data.talk?.myEligibility?.code === 'PROFILE_INCOMPLETE') return 'sexBirth';
      return null;
    },

    /** 听: the notice read aloud — what, when, where, who may come, and the description. */
    onListen() {
      const t = this.data.talk;
      if (!t) return;
      let reader = readers.get(this);
      if (!reader) {
        const text = [
          `${this.data.kindName}：${t.title}。`,
          `时间：${this.data.time}。`,
          `地点：${t.venue}。`,
          `参加条件：${t.eligibilityText || '本地居民都可以参加'}。`,
          t.description ?? '',
        ]
          .filter(Boolean)
          .join('\n');
        reader = createReader({ text, onState: (readState) => this.setData({ readState, readLabel: READ_LABELS[readState] }) });
        readers.set(this, reader);
      }
      reader.toggle();
    },

    onSeats(e: WechatMiniprogram.BaseEvent) {
      const max = this.data.talk?.maxSeatsPerRegistration ?? 1;
      const next = this.data.seats + Number(e.currentTarget.dataset.step);
      this.setData({ seats: Math.min(max, Math.max(1, next)) });
    },

    /** The notice request must start inside this tap handler (WeChat's rule), before anything awaits. */
    async onSignUp() {
      if (this.data.busy || !this.data.talk || this.data.blockedReason) return;
      const asked = askForNotices('talks');
      const blocker = this.blocker();
      if (blocker) {
        this.goFix(blocker);
        return;
      }
      await asked;
      await this.signUp();
    },

    /** The results consent is its own tick; ticking it asks for the "result is ready" notice inside this tap. */
    onResultsConsent() {
      const next = !this.data.resultsConsent;
      if (next) void askForNotices('screening');
      this.setData({ resultsConsent: next });
    },

    onMyResults() {
      wx.navigateTo({ url: PAGES.screenings });
    },

    async signUp() {
      if (!this.data.talk) return;
      this.setData({ busy: true });
      try {
        const r = await talksApi.signUp(this.data.talk.id, this.data.seats, newIdempotencyKey());
        if (this.data.screening && this.data.resultsConsent) await screeningsApi.setConsent(this.data.talk.id, true);
        wx.showToast({
          title: r.status === 'confirmed' ? '报名成功' : `已候补第 ${r.position ?? ''} 位`,
          icon: r.status === 'confirmed' ? 'success' : 'none',
          duration: 2500,
        });
        await this.load();
      } catch (err) {
        // Something the resident can fix: go and fix it, then come back here and finish.
        const fix: Blocker =
          err instanceof ApiError ? (err.code === 'CONSENT_REQUIRED' ? 'consent' : err.code === 'PROFILE_INCOMPLETE' ? 'sexBirth' : null) : null;
        if (fix) this.goFix(fix);
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
