import { api } from '../../services/api';
import { clearSession } from '../../services/session';
import type { Me } from '../../services/types';
import { theApp } from '../../utils/app';
import { confirmThen } from '../../utils/confirm';
import { markElderChoiceMade } from '../../utils/elder';
import { elderBehavior } from '../../utils/elder-behavior';
import { exportText } from '../../utils/export-text';
import { PAGES } from '../../utils/routes';

const ME_PATH = '/api/v1/me';

/** Where 我的 leads: every record the resident has, one big button each. */
const LINKS = [
  { key: 'profile', title: '修改我的资料', url: PAGES.profile },
  { key: 'registrations', title: '我的报名（讲座和筛查）', url: PAGES.talksMine },
  { key: 'screenings', title: '我的检查结果', url: PAGES.screenings },
  { key: 'referrals', title: '我的唇腭裂救助申请', url: PAGES.cleft },
  { key: 'enrolments', title: '我的家庭保险登记', url: PAGES.insurance },
  { key: 'certificates', title: '我的答题证书', url: `${PAGES.quizCert}?mine=1` },
];

const ERASE_WARNING =
  '会删除：姓名、手机号、所在村、性别和出生年份，答题积分和证书，讲座报名，唇腭裂申请里孩子的信息，保险登记里家人的信息。\n' +
  '会保留：已经出单的保险，保单信息按保险合同由保险公司保存；不带姓名的统计数字。\n删除后不能恢复。';

/** 我的: who I am (summary), links to everything I have, large type, my data (export as a file, erase). */
Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    loadFailed: false,
    profile: null as Me | null,
    sexText: '',
    links: LINKS,
    exportPath: '',
    exportName: '',
    exportPreview: '',
  },

  methods: {
    onPageShow() {
      return this.load();
    },

    async load() {
      this.setData({ loadFailed: false, loading: !this.data.profile });
      try {
        const me = await api.get<Me>(ME_PATH, undefined, { silent: true });
        theApp().setElderlyMode(me.elderlyMode);
        theApp().setResident({ id: me.id, profileComplete: me.profileComplete, consents: me.consents });
        this.setData({ profile: me, sexText: me.sex === 'male' ? '男' : me.sex === 'female' ? '女' : '', elder: me.elderlyMode });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onLink(e: WechatMiniprogram.BaseEvent) {
      const link = LINKS.find((l) => l.key === e.currentTarget.dataset.key);
      if (link) wx.navigateTo({ url: link.url });
    },

    /** Applied at once on this device; the server copy follows (a failure there is only a toast). */
    async onElderChange(e: WechatMiniprogram.SwitchChange) {
      const on = e.detail.value;
      theApp().setElderlyMode(on);
      markElderChoiceMade();
      this.setData({ elder: on });
      try {
        await api.patch<Me>(ME_PATH, { elderlyMode: on });
      } catch {
        // kept on this phone anyway
      }
    },

    /** The whole export as a text file: shown here, and sent to a chat (to oneself or family) with one tap. */
    async onExport() {
      let data: unknown;
      try {
        data = await api.get<unknown>(`${ME_PATH}/export`);
      } catch {
        return;
      }
      const text = exportText(data);
      const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
      const name = `我的数据-${day}.txt`;
      const path = `${wx.env.USER_DATA_PATH}/${name}`;
      try {
        wx.getFileSystemManager().writeFileSync(path, text, 'utf8');
      } catch {
        wx.showToast({ title: '手机存储空间不够，没有存成文件', icon: 'none', duration: 3000 });
      }
      this.setData({ exportPath: path, exportName: name, exportPreview: text });
    },

    onShareExport() {
      if (typeof wx.shareFileMessage !== 'function') {
        wx.showToast({ title: '微信版本太旧，请升级后再发送', icon: 'none', duration: 3000 });
        return;
      }
      wx.shareFileMessage({
        filePath: this.data.exportPath,
        fileName: this.data.exportName,
        fail: () => wx.showToast({ title: '没有发出去，可以再试一次', icon: 'none' }),
      });
    },

    onDelete() {
      confirmThen({ title: '删除我的数据', content: ERASE_WARNING, confirmText: '确定删除', confirmColor: '#a3001b', cancelText: '不删除' }, () =>
        this.deleteMyData(),
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
