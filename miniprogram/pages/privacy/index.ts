import { api, newIdempotencyKey } from '../../services/api';
import type { ConsentList } from '../../services/types';
import { theApp } from '../../utils/app';
import { BASIC_PURPOSE, currentPolicyVersion, hasCurrentConsent, rememberPolicyVersion } from '../../utils/consent';
import { elderBehavior } from '../../utils/elder-behavior';
import { PAGES } from '../../utils/routes';
import { confirmThen } from '../../utils/confirm';

const CONSENTS_PATH = '/api/v1/me/consents';

interface PolicySection {
  heading: string;
  items: { head?: string; text: string }[];
}

interface Policy {
  version: string;
  title: string;
  sections: PolicySection[];
}

Component({
  behaviors: [elderBehavior],
  data: {
    policyVersion: '',
    /** The policy text as the server serves it now. */
    sections: [] as PolicySection[],
    loading: true,
    loadFailed: false,
    consented: false,
    /** A privacy API (e.g. the phone button) is waiting for the answer given here. */
    pending: false,
    busy: false,
  },

  methods: {
    onPageShow() {
      const app = theApp();
      const pending = app.hasPendingPrivacy();
      this.setData({ pending });
      if (pending) app.settlePrivacy('exposureAuthorization');
      return this.refresh();
    },

    onUnload() {
      // WeChat requires every privacy request to be answered; leaving the page without a choice is a no.
      theApp().settlePrivacy('disagree');
    },

    async refresh() {
      await this.loadPolicy();
      const resident = await theApp().ensureSession();
      this.setData({ consented: hasCurrentConsent(resident) });
    },

    /** The current version and text; without them there is nothing honest to agree to, so the page says so. */
    async loadPolicy() {
      this.setData({ loadFailed: false, loading: this.data.sections.length === 0 });
      try {
        const policy = await api.get<Policy>('/api/v1/policy', undefined, { auth: false, silent: true });
        rememberPolicyVersion(policy.version);
        this.setData({ policyVersion: policy.version, sections: policy.sections });
      } catch {
        this.setData({ loadFailed: true, policyVersion: currentPolicyVersion() });
      } finally {
        this.setData({ loading: false });
      }
    },

    retry() {
      return this.refresh();
    },

    /** bindagreeprivacyauthorization: WeChat has recorded the tap; now record our own consent ledger entry. */
    async onAgree() {
      const app = theApp();
      app.settlePrivacy('agree');
      if (this.data.busy) return;
      this.setData({ busy: true, pending: false });
      try {
        const { consents } = await api.post<ConsentList>(
          CONSENTS_PATH,
          { purpose: BASIC_PURPOSE, policyVersion: this.data.policyVersion || currentPolicyVersion() },
          { idempotencyKey: newIdempotencyKey() },
        );
        const resident = app.globalData.resident;
        if (resident) app.setResident({ ...resident, consents });
        this.setData({ consented: true });
        wx.showToast({ title: '已同意，谢谢', icon: 'success' });
        this.leave();
      } catch {
        // The wrapper has shown the reason; the button stays so the user can try again.
      } finally {
        this.setData({ busy: false });
      }
    },

    onDisagree() {
      theApp().settlePrivacy('disagree');
      this.leave();
    },

    leave() {
      if (getCurrentPages().length > 1) wx.navigateBack({ delta: 1 });
      else wx.switchTab({ url: PAGES.home });
    },

    onOpenContract() {
      wx.openPrivacyContract({
        fail: () => wx.showToast({ title: '暂时打不开，请稍后再试', icon: 'none' }),
      });
    },

    onWithdraw() {
      confirmThen(
        {
          title: '撤回同意',
          content: '撤回后，我们不再用您的信息提供活动服务，已报名的活动可能无法继续。确定撤回吗？',
          confirmText: '撤回',
          cancelText: '不撤回',
        },
        () => this.withdraw(),
      );
    },

    async withdraw() {
      let left: ConsentList;
      try {
        left = await api.del<ConsentList>(`${CONSENTS_PATH}/${BASIC_PURPOSE}`);
      } catch {
        return;
      }
      const app = theApp();
      const resident = app.globalData.resident;
      if (resident) app.setResident({ ...resident, consents: left.consents });
      this.setData({ consented: false });
      wx.showToast({ title: '已撤回', icon: 'success' });
    },
  },
});
