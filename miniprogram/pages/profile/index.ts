import { DISTRICT_CODE } from '../../config';
import { api, ApiError } from '../../services/api';
import type { Area, AreaList, Me } from '../../services/types';
import { theApp } from '../../utils/app';
import { elderBehavior } from '../../utils/elder-behavior';
import { checkIdCard } from '../../utils/idcard';
import { PAGES } from '../../utils/routes';
import { NAME_MAX_LENGTH, normalizeMobile, normalizeName } from '../../utils/validate';

const ME_PATH = '/api/v1/me';
const AREAS_PATH = '/api/v1/areas';

/** What the task that sent the resident here needs: contact details for a sign-up, sex and birth year for a rule. */
export type ProfileNeed = '' | 'contact' | 'sexBirth';

type PickerStep = '' | 'town' | 'village';

/** Birth years offered, newest last; the picker starts near 1965 (most residents who sign up are older). */
const THIS_YEAR = new Date().getFullYear();
const YEARS = Array.from({ length: THIS_YEAR - 1920 + 1 }, (_, i) => 1920 + i);
const DEFAULT_YEAR_INDEX = YEARS.indexOf(1965);

/**
 * My details on one form with one 保存 button: name, phone, village, sex and birth year. Opened from 我的, or by
 * a task that needs something (`need`); with `back=1` it returns to that task once saved.
 */
Component({
  behaviors: [elderBehavior],
  data: {
    need: '' as ProfileNeed,
    back: false,
    loading: true,
    loadFailed: false,
    profile: null as Me | null,
    nameDraft: '',
    phoneDraft: '',
    showPhoneInput: false,
    village: null as { code: string; name: string } | null,
    step: '' as PickerStep,
    towns: [] as Area[],
    villages: [] as Area[],
    townName: '',
    sex: '' as '' | 'male' | 'female',
    years: YEARS,
    yearIndex: DEFAULT_YEAR_INDEX,
    birthYear: 0,
    idDraft: '',
    errors: {} as Record<string, string>,
    saving: false,
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const need = query.need === 'contact' || query.need === 'sexBirth' ? query.need : '';
      this.setData({ need, back: query.back === '1' });
    },

    onPageShow() {
      if (!this.data.profile) return this.load();
      return undefined;
    },

    async load() {
      this.setData({ loading: true, loadFailed: false });
      try {
        this.fill(await api.get<Me>(ME_PATH, undefined, { silent: true }));
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    fill(me: Me) {
      const yearIndex = me.birthYear ? YEARS.indexOf(me.birthYear) : -1;
      this.setData({
        profile: me,
        nameDraft: me.name ?? '',
        village: me.villageCode ? { code: me.villageCode, name: me.villageName ?? '' } : null,
        sex: me.sex ?? '',
        birthYear: me.birthYear ?? 0,
        yearIndex: yearIndex >= 0 ? yearIndex : DEFAULT_YEAR_INDEX,
      });
      theApp().setResident({ id: me.id, profileComplete: me.profileComplete, consents: me.consents });
    },

    onNameInput(e: WechatMiniprogram.Input) {
      this.setData({ nameDraft: e.detail.value, 'errors.name': '' });
    },

    onPhoneInput(e: WechatMiniprogram.Input) {
      this.setData({ phoneDraft: e.detail.value, 'errors.phone': '' });
    },

    onShowPhoneInput() {
      this.setData({ showPhoneInput: true });
    },

    /** bindgetphonenumber: WeChat's code is exchanged at once (it expires); otherwise offer the typed field. */
    async onGetPhone(e: WechatMiniprogram.ButtonGetPhoneNumber) {
      const code = e.detail.code;
      if (!code) {
        this.setData({ showPhoneInput: true });
        wx.showToast({ title: '没有获取到，可以自己填写', icon: 'none' });
        return;
      }
      try {
        const me = await api.post<Me>(`${ME_PATH}/phone`, { code });
        this.setData({ profile: me, 'errors.phone': '' });
        wx.showToast({ title: '手机号已填好', icon: 'success' });
      } catch {
        this.setData({ showPhoneInput: true });
      }
    },

    async onStartVillagePicker() {
      try {
        const list = await api.get<AreaList>(AREAS_PATH, { parent: DISTRICT_CODE });
        this.setData({ towns: list.items, villages: [], townName: '', step: 'town' });
      } catch {
        // toast already shown; the button stays
      }
    },

    async onChooseTown(e: WechatMiniprogram.BaseEvent) {
      const town = this.data.towns[Number(e.currentTarget.dataset.index)];
      if (!town) return;
      try {
        const list = await api.get<AreaList>(AREAS_PATH, { parent: town.code });
        this.setData({ villages: list.items, townName: town.name, step: 'village' });
      } catch {
        // toast already shown
      }
    },

    onChooseVillage(e: WechatMiniprogram.BaseEvent) {
      const v = this.data.villages[Number(e.currentTarget.dataset.index)];
      if (!v) return;
      this.setData({ village: { code: v.code, name: v.name }, step: '', 'errors.village': '' });
    },

    onPickerBack() {
      this.setData({ step: 'town', villages: [] });
    },

    onPickerCancel() {
      this.setData({ step: '' });
    },

    onSex(e: WechatMiniprogram.BaseEvent) {
      const sex = e.currentTarget.dataset.sex as 'male' | 'female';
      this.setData({ sex, 'errors.sexBirth': '' });
    },

    onYear(e: WechatMiniprogram.PickerChange) {
      const yearIndex = Number(e.detail.value);
      this.setData({ yearIndex, birthYear: YEARS[yearIndex] ?? 0, 'errors.sexBirth': '' });
    },

    /** An ID number fills sex and birth year (it is not sent or kept). */
    onIdInput(e: WechatMiniprogram.Input) {
      const idDraft = e.detail.value;
      const checked = checkIdCard(idDraft);
      if (!checked.ok) {
        this.setData({ idDraft });
        return;
      }
      const info = checked.info;
      const year = Number(info.birthDate.slice(0, 4));
      this.setData({ idDraft, sex: info.sex, birthYear: year, yearIndex: Math.max(0, YEARS.indexOf(year)), 'errors.sexBirth': '' });
    },

    /** What to send, or null after showing what is missing. */
    collect(): WechatMiniprogram.IAnyObject | null {
      const d = this.data;
      const p = d.profile;
      if (!p) return null;
      const errors: Record<string, string> = {};
      const patch: WechatMiniprogram.IAnyObject = {};
      const typedName = d.nameDraft.trim();
      if (typedName !== (p.name ?? '')) {
        const name = normalizeName(typedName);
        if (name) patch.name = name;
        else errors.name = `请填写姓名（不超过${NAME_MAX_LENGTH}个字）`;
      }
      if (d.phoneDraft.trim()) {
        const phone = normalizeMobile(d.phoneDraft);
        if (phone) patch.phone = phone;
        else errors.phone = '请填写11位手机号，例如 13812345678';
      }
      if (d.village && d.village.code !== p.villageCode) patch.villageCode = d.village.code;
      if (d.sex && d.sex !== p.sex) patch.sex = d.sex;
      if (d.birthYear && d.birthYear !== p.birthYear) patch.birthYear = d.birthYear;
      if (d.need === 'contact') {
        if (!typedName) errors.name = '报名需要填写姓名';
        if (!p.phoneMasked && !patch.phone) errors.phone = '报名需要手机号，方便通知您';
        if (!d.village) errors.village = '请选择所在村（社区）';
      }
      if (d.need === 'sexBirth' && (!d.sex || !d.birthYear)) errors.sexBirth = '请选择性别和出生年份';
      this.setData({ errors });
      return Object.keys(errors).length ? null : patch;
    },

    async onSave() {
      if (this.data.saving) return;
      const patch = this.collect();
      if (!patch) return;
      if (Object.keys(patch).length === 0) return this.done();
      this.setData({ saving: true });
      try {
        this.fill(await api.patch<Me>(ME_PATH, patch));
        this.setData({ phoneDraft: '', showPhoneInput: false });
        wx.showToast({ title: '已保存', icon: 'success' });
        return this.done();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'CONSENT_REQUIRED') wx.navigateTo({ url: PAGES.privacy });
        return undefined;
      } finally {
        this.setData({ saving: false });
      }
    },

    /** Back to the task that sent the resident here; otherwise stay. */
    done() {
      if (this.data.back) wx.navigateBack({ delta: 1 });
    },
  },
});
