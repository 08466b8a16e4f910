import { api } from '../../services/api';
import { theApp } from '../../utils/app';
import { elderChoiceMade, markElderChoiceMade } from '../../utils/elder';
import { hasCurrentConsent } from '../../utils/consent';
import { elderBehavior } from '../../utils/elder-behavior';
import { PAGES } from '../../utils/routes';

const CARDS = [
  { key: 'quiz', title: '健康答题', desc: '答几道题，学健康知识', url: PAGES.quiz },
  { key: 'talks', title: '健康讲座', desc: '讲座和免费筛查，在这里报名', url: PAGES.talks },
  { key: 'cleft', title: '唇腭裂救助', desc: '孩子有唇腭裂，可以申请救助', url: PAGES.cleft },
  { key: 'insurance', title: '家庭保险', desc: '家庭意外保险，在这里登记', url: PAGES.insurance },
  { key: 'selections', title: '评选投票', desc: '幸福家庭、健康之星，为身边的榜样投票', url: PAGES.selections },
  { key: 'consult', title: '问专家', desc: '怀孕、带娃、青春期，医生来回答', url: PAGES.consult },
  { key: 'requests', title: '有事找村里', desc: '家里的难处、邻里的事，村里来办', url: PAGES.requests },
  { key: 'village-rules', title: '村规民约', desc: '看看咱村的村规民约', url: PAGES.villageRules },
];

Component({
  behaviors: [elderBehavior],
  data: {
    cards: CARDS,
    needConsent: false,
    needProfile: false,
    /** First launch on this phone: offer large type before anything else. */
    askElder: false,
  },

  methods: {
    onPageShow() {
      this.setData({ askElder: !elderChoiceMade() });
      return this.refreshBanners();
    },

    async refreshBanners() {
      const resident = await theApp().ensureSession();
      if (!resident) return;
      this.setData({ needConsent: !hasCurrentConsent(resident), needProfile: !resident.profileComplete });
    },

    onOpenCard(e: WechatMiniprogram.BaseEvent) {
      const key: unknown = e.currentTarget.dataset.key;
      const card = CARDS.find((c) => c.key === key);
      if (!card) return;
      // Feature pages arrive one by one; until a page is registered, navigateTo fails and we say so kindly.
      wx.navigateTo({
        url: card.url,
        fail: () => wx.showToast({ title: '即将开放', icon: 'none', duration: 2000 }),
      });
    },

    onOpenPrivacy() {
      wx.navigateTo({ url: PAGES.privacy });
    },

    onOpenMe() {
      wx.navigateTo({ url: PAGES.profile });
    },

    /** 用大字 / 用标准字 on the first-launch question; either way it is not asked again (我的 has the switch). */
    onElderChoice(e: WechatMiniprogram.BaseEvent) {
      const on = e.currentTarget.dataset.on === 'yes';
      theApp().setElderlyMode(on);
      markElderChoiceMade();
      this.setData({ elder: on, askElder: false });
      void api.patch('/api/v1/me', { elderlyMode: on }, { silent: true }).catch(() => undefined);
    },
  },
});
