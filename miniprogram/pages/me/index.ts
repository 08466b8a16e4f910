import { DISTRICT_CODE } from '../../config';
import { api } from '../../services/api';
import { clearSession } from '../../services/session';
import type { Area, AreaList, Me } from '../../services/types';
import { theApp } from '../../utils/app';
import { elderBehavior } from '../../utils/elder-behavior';
import { summarizeExport } from '../../utils/export-summary';
import { PAGES } from '../../utils/routes';
import { NAME_MAX_LENGTH, normalizeMobile, normalizeName } from '../../utils/validate';
import { confirmThen } from '../../utils/confirm';

const ME_PATH = '/api/v1/me';
const AREAS_PATH = '/api/v1/areas';

type PickerStep = '' | 'town' | 'village';

Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    loadFailed: false,
    profile: null as Me | null,
    nameDraft: '',
    nameError: '',
    step: '' as PickerStep,
    towns: [] as Area[],
    villages: [] as Area[],
    townName: '',
    showPhoneInput: false,
    phoneDraft: '',
    phoneError: '',
    exportLines: [] as string[],
  },


  methods: {
    onPageShow() {
      return this.load();
    },

    async load() {
      this.setData({ loadFailed: false });
      try {
        const me = await api.get<Me>(ME_PATH);
        theApp().setElderlyMode(me.elderlyMode);
        this.showProfile(me);
        this.setData({ nameDraft: me.name ?? '', elder: me.elderlyMode });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    /** Every profile change answers with the whole profile (GET /me shape); show it and share the summary. */
    showProfile(me: Me) {
      this.setData({ profile: me });
      theApp().setResident({ id: me.id, profileComplete: me.profileComplete, consents: me.consents });
    },

    async saveProfile(changes: WechatMiniprogram.IAnyObject): Promise<boolean> {
      try {
        this.showProfile(await api.patch<Me>(ME_PATH, changes));
        return true;
      } catch {
        return false;
      }
    },

    onNameInput(e: WechatMiniprogram.Input) {
      this.setData({ nameDraft: e.detail.value, nameError: '' });
    },

    async onSaveName() {
      const name = normalizeName(this.data.nameDraft);
      if (!name) {
        this.setData({ nameError: `请填写姓名（不超过${NAME_MAX_LENGTH}个字）` });
        return;
      }
      if (await this.saveProfile({ name })) wx.showToast({ title: '姓名已保存', icon: 'success' });
    },

    async onStartVillagePicker() {
      try {
        const list = await api.get<AreaList>(AREAS_PATH, { parent: DISTRICT_CODE });
        this.setData({ towns: list.items, villages: [], townName: '', step: 'town' });
      } catch {
        // toast already shown
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

    async onChooseVillage(e: WechatMiniprogram.BaseEvent) {
      const village = this.data.villages[Number(e.currentTarget.dataset.index)];
      if (!village) return;
      if (await this.saveProfile({ villageCode: village.code })) {
        this.setData({ step: '' });
        wx.showToast({ title: '村已保存', icon: 'success' });
      }
    },

    onPickerBack() {
      this.setData({ step: 'town', villages: [] });
    },

    onPickerCancel() {
      this.setData({ step: '' });
    },

    /** bindgetphonenumber: a code when the user allowed it; otherwise offer the typed field. */
    async onGetPhone(e: WechatMiniprogram.ButtonGetPhoneNumber) {
      const code = e.detail.code;
      if (!code) {
        this.setData({ showPhoneInput: true });
        wx.showToast({ title: '没有获取到，可以自己填写', icon: 'none' });
        return;
      }
      try {
        this.showProfile(await api.post<Me>(`${ME_PATH}/phone`, { code }));
        wx.showToast({ title: '手机号已保存', icon: 'success' });
      } catch {
        this.setData({ showPhoneInput: true });
      }
    },

    onShowPhoneInput() {
      this.setData({ showPhoneInput: true });
    },

    onPhoneInput(e: WechatMiniprogram.Input) {
      this.setData({ phoneDraft: e.detail.value, phoneError: '' });
    },

    async onSavePhone() {
      const phone = normalizeMobile(this.data.phoneDraft);
      if (!phone) {
        this.setData({ phoneError: '请填写11位手机号，例如 13812345678' });
        return;
      }
      if (!(await this.saveProfile({ phone }))) return;
      this.setData({ phoneDraft: '', showPhoneInput: false });
      wx.showToast({ title: '手机号已保存', icon: 'success' });
    },

    /** Applied at once on this device; the server copy follows (a failure there is only a toast). */
    async onElderChange(e: WechatMiniprogram.SwitchChange) {
      const on = e.detail.value;
      theApp().setElderlyMode(on);
      this.setData({ elder: on });
      await this.saveProfile({ elderlyMode: on });
    },

    async onExport() {
      try {
        const data = await api.get<unknown>(`${ME_PATH}/export`);
        const lines = summarizeExport(data);
        this.setData({ exportLines: lines.length ? lines : ['暂时没有您的数据'] });
      } catch {
        // toast already shown
      }
    },

    onDelete() {
      confirmThen(
        {
          title: '删除我的数据',
          content: '删除后，您的姓名、手机号、所在村和参加活动的记录都会清除，不能恢复。确定删除吗？',
          confirmText: '确定删除',
          confirmColor: '#a3001b',
          cancelText: '不删除',
        },
        () => this.deleteMyData(),
      );
    },

    async deleteMyData() {
      try {
        await api.del(ME_PATH);
      } catch {
        return;
      }
      clearSession();
      theApp().setResident(null);
      wx.showToast({ title: '已删除', icon: 'success' });
      wx.reLaunch({ url: PAGES.home });
    },

    onOpenPrivacy() {
      wx.navigateTo({ url: PAGES.privacy });
    },
  },
});
