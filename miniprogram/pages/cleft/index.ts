import { choices, labels } from '../../services/dictionaries';
import { askForNotices, prefetchNoticeTemplates } from '../../services/notices';
import { api, ApiError, newIdempotencyKey } from '../../services/api';
import type { ConsentList, Me, Referral } from '../../services/types';
import { theApp } from '../../utils/app';
import { currentPolicyVersion, hasCurrentConsent } from '../../utils/consent';
import { elderBehavior } from '../../utils/elder-behavior';
import { PAGES } from '../../utils/routes';
import { normalizeMobile, normalizeName } from '../../utils/validate';
import { confirmThen } from '../../utils/confirm';

const REFERRALS = '/api/v1/referrals';
const CHILD_DATA = 'child-data';
/** The server's limit for one photo. */
export const MAX_PHOTO_BYTES = 2 * 1024 * 1024;

type Step = 'home' | 'consent' | 'child' | 'condition' | 'family';

export const RELATIONS = Object.keys(labels('guardianRelation'));
export const CONDITIONS = choices('referralCondition');
const HOUSEHOLD = choices('householdSituation');

function emptyForm() {
  return {
    childName: '',
    childSex: '',
    childBirthDate: '',
    condition: '',
    diagnosed: '',
    diagnosedWhere: '',
    otherConditions: '',
    guardianRelation: '',
    guardianPhone: '',
  };
}

Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    step: 'home' as Step,
    referrals: [] as Referral[],
    hasBasic: false,
    villageCode: '' as string,
    relations: RELATIONS,
    conditions: CONDITIONS,
    household: HOUSEHOLD.map((h) => ({ ...h, on: false })),
    form: emptyForm(),
    errors: {} as Record<string, string>,
    /** The relation was chosen in the consent step: the last step does not ask it again. */
    relationGiven: false,
    today: '',
    busy: false,
    loadFailed: false,
  },

  lifetimes: {
    attached() {
      this.setData({ today: new Date().toISOString().slice(0, 10) });
    },
  },

  methods: {
    onPageShow() {
      void prefetchNoticeTemplates();
      return this.load();
    },

    async load() {
      this.setData({ loadFailed: false });
      try {
        const [list, me] = await Promise.all([api.get<{ items: Referral[] }>(REFERRALS), api.get<Me>('/api/v1/me')]);
        this.setData({ referrals: list.items, villageCode: me.villageCode ?? '', hasBasic: hasCurrentConsent(me) });
      } catch {
        // the explanation still reads; no "还没有申请" or consent request that would be false
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    /** 申请救助: consent first (once), then three short steps. */
    onStart() {
      const resident = theApp().globalData.resident;
      const step: Step = hasCurrentConsent(resident, CHILD_DATA) ? 'child' : 'consent';
      this.setData({ step, form: emptyForm(), errors: {}, relationGiven: false, household: HOUSEHOLD.map((h) => ({ ...h, on: false })) });
    },

    onOpenPrivacy() {
      wx.navigateTo({ url: PAGES.privacy });
    },

    onOpenMe() {
      wx.navigateTo({ url: `${PAGES.profile}?back=1` });
    },

    onPickRelation(e: WechatMiniprogram.BaseEvent) {
      this.setData({ 'form.guardianRelation': String(e.currentTarget.dataset.value), 'errors.guardianRelation': '' });
    },

    async onAgree() {
      const relation = this.data.form.guardianRelation;
      if (!relation) {
        this.setData({ 'errors.guardianRelation': '请选择您和孩子的关系' });
        return;
      }
      this.setData({ busy: true });
      try {
        const { consents } = await api.post<ConsentList>(
          '/api/v1/me/consents',
          { purpose: CHILD_DATA, policyVersion: currentPolicyVersion(), guardianRelation: relation },
          { idempotencyKey: newIdempotencyKey() },
        );
        const app = theApp();
        const resident = app.globalData.resident;
        if (resident) app.setResident({ ...resident, consents });
        this.setData({ step: 'child', relationGiven: true });
      } catch {
        // toast already shown
      } finally {
        this.setData({ busy: false });
      }
    },

    onInput(e: WechatMiniprogram.Input) {
      const field = String(e.currentTarget.dataset.field);
      this.setData({ [`form.${field}`]: e.detail.value, [`errors.${field}`]: '' });
    },

    onPick(e: WechatMiniprogram.BaseEvent) {
      const field = String(e.currentTarget.dataset.field);
      this.setData({ [`form.${field}`]: String(e.currentTarget.dataset.value), [`errors.${field}`]: '' });
    },

    onDateChange(e: WechatMiniprogram.PickerChange) {
      this.setData({ 'form.childBirthDate': String(e.detail.value), 'errors.childBirthDate': '' });
    },

    onToggleHousehold(e: WechatMiniprogram.BaseEvent) {
      const i = Number(e.currentTarget.dataset.index);
      const list = this.data.household.map((h, k) => {
        if (k === i) return { ...h, on: !h.on };
        // "none" excludes the others and the others exclude "none"
        const picked = this.data.household[i];
        if (picked && (picked.key === 'none' || h.key === 'none')) return { ...h, on: false };
        return h;
      });
      this.setData({ household: list });
    },

    /** Check the current step; true when it can move on. */
    checkStep(step: Step): boolean {
      const f = this.data.form;
      const errors: Record<string, string> = {};
      if (step === 'child') {
        if (!normalizeName(f.childName)) errors.childName = '请填写孩子的姓名';
        if (!f.childSex) errors.childSex = '请选择孩子的性别';
        if (!f.childBirthDate) errors.childBirthDate = '请选择孩子的出生日期';
      }
      if (step === 'condition') {
        if (!f.condition) errors.condition = '请选择孩子的情况';
        if (!f.diagnosed) errors.diagnosed = '请选择是否看过医生';
      }
      if (step === 'family') {
        if (!f.guardianRelation) errors.guardianRelation = '请选择您和孩子的关系';
        if (!normalizeMobile(f.guardianPhone)) errors.guardianPhone = '请填写11位手机号，例如 13812345678';
      }
      this.setData({ errors });
      return Object.keys(errors).length === 0;
    },

    onNext() {
      const order: Step[] = ['child', 'condition', 'family'];
      const i = order.indexOf(this.data.step);
      const next = order[i + 1];
      if (next && this.checkStep(this.data.step)) this.setData({ step: next });
    },

    onBack() {
      const order: Step[] = ['home', 'child', 'condition', 'family'];
      const i = order.indexOf(this.data.step);
      this.setData({ step: order[Math.max(0, i - 1)] ?? 'home', errors: {} });
    },

    async onSubmit() {
      if (!this.checkStep('family') || this.data.busy) return;
      void askForNotices('referral'); // inside the tap, before anything awaits (WeChat's rule)
      const f = this.data.form;
      const body: WechatMiniprogram.IAnyObject = {
        childName: normalizeName(f.childName),
        childSex: f.childSex,
        childBirthDate: f.childBirthDate,
        condition: f.condition,
        diagnosed: f.diagnosed === 'yes',
        household: this.data.household.filter((h) => h.on).map((h) => h.key),
        guardianRelation: f.guardianRelation,
        guardianPhone: normalizeMobile(f.guardianPhone),
        villageCode: this.data.villageCode,
      };
      if (f.diagnosed === 'yes' && f.diagnosedWhere.trim()) body.diagnosedWhere = f.diagnosedWhere.trim();
      if (f.otherConditions.trim()) body.otherConditions = f.otherConditions.trim();
      this.setData({ busy: true });
      try {
        await api.post<Referral>(REFERRALS, body, { idempotencyKey: newIdempotencyKey() });
        wx.showToast({ title: '已提交，工作人员会联系您', icon: 'none', duration: 3000 });
        this.setData({ step: 'home', form: emptyForm() });
        await this.load();
      } catch (err) {
        if (err instanceof ApiError && Array.isArray(err.details)) this.showFieldErrors(err.details);
      } finally {
        this.setData({ busy: false });
      }
    },

    showFieldErrors(details: unknown[]) {
      const errors: Record<string, string> = {};
      for (const d of details as { path?: string; message?: string }[]) if (d.path && d.message) errors[d.path] = d.message;
      // Show the step that holds the first wrong field.
      const first = Object.keys(errors)[0] ?? '';
      const step: Step = /^child/.test(first) ? 'child' : /^(condition|diagnosed|otherConditions)/.test(first) ? 'condition' : 'family';
      this.setData({ errors, step, relationGiven: this.data.relationGiven && !errors.guardianRelation });
    },

    /** Optional photo for staff: pick one, read it as base64, send it; the server checks type and size again. */
    onAddPhoto(e: WechatMiniprogram.BaseEvent) {
      const id = String(e.currentTarget.dataset.id);
      wx.chooseMedia({
        count: 1,
        mediaType: ['image'],
        sizeType: ['compressed'],
        sourceType: ['album', 'camera'],
        success: (res) => {
          const file = res.tempFiles[0];
          if (!file) return;
          if (file.size > MAX_PHOTO_BYTES) {
            wx.showToast({ title: '照片太大了，请换一张或截图后再传', icon: 'none', duration: 3000 });
            return;
          }
          wx.getFileSystemManager().readFile({
            filePath: file.tempFilePath,
            encoding: 'base64',
            success: (read) => void this.uploadPhoto(id, String(read.data)),
            fail: () => wx.showToast({ title: '照片读取失败，请再试一次', icon: 'none' }),
          });
        },
      });
    },

    async uploadPhoto(id: string, dataBase64: string) {
      this.setData({ busy: true });
      try {
        await api.post(`${REFERRALS}/${id}/photos`, { dataBase64 }, { idempotencyKey: newIdempotencyKey() });
        wx.showToast({ title: '照片已上传', icon: 'success' });
      } catch {
        // toast already shown (wrong type, too large, too many)
      } finally {
        this.setData({ busy: false });
      }
    },

    onWithdraw(e: WechatMiniprogram.BaseEvent) {
      const id = String(e.currentTarget.dataset.id);
      confirmThen(
        {
          title: '撤回申请',
          content: '撤回后工作人员将不再跟进。确定撤回吗？',
          confirmText: '确定撤回',
          cancelText: '不撤回',
        },
        () => this.withdraw(id),
      );
    },

    async withdraw(id: string) {
      try {
        await api.post<Referral>(`${REFERRALS}/${id}/withdraw`, {});
        wx.showToast({ title: '已撤回', icon: 'success' });
        await this.load();
      } catch {
        // toast already shown
      }
    },
  },
});
