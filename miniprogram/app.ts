import { signIn } from './services/api';
import { readToken } from './services/session';
import type { Resident } from './services/types';
import { AGREE_BUTTON_ID, type AppOption, type PrivacyResolve } from './utils/app';
import { readElderPreference, saveElderPreference } from './utils/elder';
import { PAGES, routeOf } from './utils/routes';

App<AppOption>({
  globalData: { token: null, resident: null, elderlyMode: false },
  privacyResolve: null,
  sessionPromise: null,

  onLaunch() {
    this.globalData.elderlyMode = readElderPreference();
    this.globalData.token = readToken();
    this.watchPrivacy();
    void this.refreshSession();
  },

  ensureSession() {
    if (this.globalData.token && this.globalData.resident) return Promise.resolve(this.globalData.resident);
    return this.sessionPromise ?? this.refreshSession();
  },

  refreshSession() {
    // signIn stores the token and resident in globalData itself (a 401 re-login goes the same way).
    const pending: Promise<Resident | null> = signIn().then(
      (result) => result.resident,
      () => null,
    );
    this.sessionPromise = pending;
    void pending.then(() => {
      if (this.sessionPromise === pending) this.sessionPromise = null;
    });
    return pending;
  },

  setResident(resident) {
    this.globalData.resident = resident;
  },

  setElderlyMode(on) {
    this.globalData.elderlyMode = on;
    saveElderPreference(on);
  },

  watchPrivacy() {
    if (typeof wx.onNeedPrivacyAuthorization !== 'function') return;
    const listener = (resolve: PrivacyResolve) => {
      // A newer request replaces an unanswered one; the old caller is told no so it does not hang.
      if (this.privacyResolve) this.privacyResolve({ event: 'disagree' });
      this.privacyResolve = resolve;
      const top = getCurrentPages().slice(-1)[0];
      if (!top || top.route !== routeOf(PAGES.privacy)) {
        wx.navigateTo({ url: PAGES.privacy });
      }
    };
    // The typings declare this listener as (res) => void; the real one receives (resolve, eventInfo).
    wx.onNeedPrivacyAuthorization(listener as unknown as WechatMiniprogram.OnNeedPrivacyAuthorizationCallback);
  },

  hasPendingPrivacy() {
    return this.privacyResolve !== null;
  },

  settlePrivacy(event) {
    const resolve = this.privacyResolve;
    if (!resolve) return;
    if (event === 'exposureAuthorization') {
      resolve({ event });
      return;
    }
    this.privacyResolve = null;
    resolve(event === 'agree' ? { event, buttonId: AGREE_BUTTON_ID } : { event });
  },
});
