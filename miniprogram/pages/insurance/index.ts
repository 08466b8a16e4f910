import { labels } from '../../services/dictionaries';
import { askForNotices, prefetchNoticeTemplates } from '../../services/notices';
import { api, ApiError, newIdempotencyKey } from '../../services/api';
import type { ConsentList, Enrolment, InsuranceProduct, Me } from '../../services/types';
import { theApp } from '../../utils/app';
import { currentPolicyVersion, hasCurrentConsent } from '../../utils/consent';
import { elderBehavior } from '../../utils/elder-behavior';
import { checkIdCard, ID_MESSAGES, idCardHint } from '../../utils/idcard';
import { yuan } from '../../utils/money';
import { PAGES } from '../../utils/routes';
import { normalizeMobile, normalizeName } from '../../utils/validate';
import { confirmThen } from '../../utils/confirm';

const ENROLMENTS = '/api/v1/insurance/enrolments';
const RELATIONS = Object.keys(labels('insuredRelation'));

interface Member {
  name: string;
  idCard: string;
  sex: string;
  birthDate: string;
  /** Where the date picker opens while no date is chosen: a likely birth year for the relation. */
  pickerStart: string;
  relation: string;
  planCode: string;
  idOk: boolean;
  errors: Record<string, string>;
}

/** Years between the resident and the relation, on average; the picker starts there and the resident adjusts. */
const YEARS_AFTER_ME: Record<string, number> = { 本人: 0, 配偶: 0, 子女: 25, 父母: -25, 其他家庭成员: 0 };

/**
 * A plausible birth year for someone of this relation: from the resident's own birth year when the profile has it
 * (otherwise a resident of 50), kept inside the product's age range.
 */
function likelyBirthDate(relation: string, myBirthYear: number | null, thisYear: number, ages?: { minAge: number; maxAge: number }): string {
  let year = (myBirthYear ?? thisYear - 50) + (YEARS_AFTER_ME[relation] ?? 0);
  if (ages) year = Math.min(Math.max(year, thisYear - ages.maxAge), thisYear - ages.minAge);
  return `${Math.min(year, thisYear)}-01-01`;
}

const newMember = (relation: string, planCode: string, pickerStart: string): Member => ({
  name: '',
  idCard: '',
  sex: '',
  birthDate: '',
  pickerStart,
  relation,
  planCode,
  idOk: false,
  errors: {},
});

interface PlanView {
  code: string;
  name: string;
  priceText: string;
  coverageLines: string[];
}

Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    product: null as InsuranceProduct | null,
    plans: [] as PlanView[],
    enrolments: [] as (Enrolment & { totalText: string })[],
    hasBasic: false,
    hasConsent: false,
    mode: 'view' as 'view' | 'form',
    members: [] as Member[],
    relations: RELATIONS,
    applicantPhone: '',
    phoneError: '',
    /** The profile's phone, masked; used for the enrolment unless the resident types another. */
    myPhoneMasked: '',
    useMyPhone: false,
    myBirthYear: null as number | null,
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
      this.setData({ loadFailed: false, loading: !this.data.product && this.data.enrolments.length === 0 });
      const resident = await theApp().ensureSession();
      if (!resident) {
        // no login: saying "no insurance" or asking for consent again would be false
        this.setData({ loadFailed: true, loading: false });
        return;
      }
      this.setData({ hasBasic: hasCurrentConsent(resident), hasConsent: hasCurrentConsent(resident, 'insurance') });
      try {
        const [products, mine, me] = await Promise.all([
          api.get<{ items: InsuranceProduct[] }>('/api/v1/insurance/products'),
          api.get<{ items: Enrolment[] }>(ENROLMENTS),
          api.get<Me>('/api/v1/me'),
        ]);
        const product = products.items.find((p) => p.enrolOpen) ?? products.items[0] ?? null;
        this.setData({
          product,
          plans: (product?.plans ?? []).map((p) => ({
            code: p.code,
            name: p.name,
            priceText: `每人每年 ${yuan(p.premiumFen)}`,
            coverageLines: p.coverage.map((c) => `${c.item}：最高 ${yuan(c.amountFen)}`),
          })),
          enrolments: mine.items.map((e) => ({ ...e, totalText: yuan(e.totalFen) })),
          myPhoneMasked: me.phoneMasked ?? '',
          myBirthYear: me.birthYear ?? null,
        });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onOpenPrivacy() {
      wx.navigateTo({ url: PAGES.privacy });
    },

    async onAgree() {
      this.setData({ busy: true });
      try {
        const { consents } = await api.post<ConsentList>(
          '/api/v1/me/consents',
          { purpose: 'insurance', policyVersion: currentPolicyVersion() },
          { idempotencyKey: newIdempotencyKey() },
        );
        const app = theApp();
        const resident = app.globalData.resident;
        if (resident) app.setResident({ ...resident, consents });
        this.setData({ hasConsent: true });
        this.onStart();
      } catch {
        // toast already shown
      } finally {
        this.setData({ busy: false });
      }
    },

    onStart() {
      this.setData({ mode: 'form', members: [this.member('本人')], applicantPhone: '', phoneError: '', useMyPhone: Boolean(this.data.myPhoneMasked) });
    },

    member(relation: string): Member {
      const start = likelyBirthDate(relation, this.data.myBirthYear, Number(this.data.today.slice(0, 4)), this.data.product?.eligibility);
      return newMember(relation, this.data.plans[0]?.code ?? '', start);
    },

    /** Type another number instead of the one in the profile. */
    onOtherPhone() {
      this.setData({ useMyPhone: false, applicantPhone: '', phoneError: '' });
    },

    onCloseForm() {
      this.setData({ mode: 'view' });
    },

    onAddMember() {
      if (this.data.members.length >= 10) return;
      this.setData({ members: [...this.data.members, this.member('配偶')] });
    },

    onRemoveMember(e: WechatMiniprogram.BaseEvent) {
      const i = Number(e.currentTarget.dataset.index);
      this.setData({ members: this.data.members.filter((_, k) => k !== i) });
    },

    /** Typing in a member's field; the ID number is checked on every keystroke and, once right, gives sex and birth date. */
    onMemberInput(e: WechatMiniprogram.Input) {
      const i = Number(e.currentTarget.dataset.index);
      const field = String(e.currentTarget.dataset.field);
      const value = e.detail.value;
      const update: Record<string, unknown> = { [`members[${i}].${field}`]: value, [`members[${i}].errors.${field}`]: '' };
      if (field === 'idCard') {
        const hint = idCardHint(value);
        update[`members[${i}].errors.idCard`] = hint.error;
        update[`members[${i}].idOk`] = hint.ok;
        if (hint.info) {
          Object.assign(update, {
            [`members[${i}].sex`]: hint.info.sex,
            [`members[${i}].birthDate`]: hint.info.birthDate,
            [`members[${i}].errors.sex`]: '',
            [`members[${i}].errors.birthDate`]: '',
          });
        }
      }
      this.setData(update);
    },

    onMemberPick(e: WechatMiniprogram.BaseEvent) {
      const i = Number(e.currentTarget.dataset.index);
      const field = String(e.currentTarget.dataset.field);
      const value = String(e.currentTarget.dataset.value);
      const update: Record<string, unknown> = { [`members[${i}].${field}`]: value, [`members[${i}].errors.${field}`]: '' };
      if (field === 'relation') update[`members[${i}].pickerStart`] = this.member(value).pickerStart;
      this.setData(update);
    },

    onMemberDate(e: WechatMiniprogram.PickerChange) {
      const i = Number(e.currentTarget.dataset.index);
      this.setData({ [`members[${i}].birthDate`]: String(e.detail.value), [`members[${i}].errors.birthDate`]: '' });
    },

    onPhoneInput(e: WechatMiniprogram.Input) {
      this.setData({ applicantPhone: e.detail.value, phoneError: '' });
    },

    /** The same checks the server makes, so most mistakes are shown beside the field before sending. */
    checkMembers(): boolean {
      let ok = true;
      const members = this.data.members.map((m) => {
        const errors: Record<string, string> = {};
        if (!normalizeName(m.name)) errors.name = '请填写姓名';
        const id = checkIdCard(m.idCard);
        if (!id.ok) errors.idCard = m.idCard.trim() ? ID_MESSAGES[id.error] : '请填写身份证号';
        if (!m.sex) errors.sex = '请选择性别';
        else if (id.ok && id.info.sex !== m.sex) errors.sex = '性别与身份证号不一致';
        if (!m.birthDate) errors.birthDate = '请选择出生日期';
        else if (id.ok && id.info.birthDate !== m.birthDate) errors.birthDate = '出生日期与身份证号不一致';
        if (!m.planCode) errors.planCode = '请选择保险方案';
        if (Object.keys(errors).length) ok = false;
        return { ...m, errors };
      });
      const phone = this.data.useMyPhone || normalizeMobile(this.data.applicantPhone);
      this.setData({ members, phoneError: phone ? '' : '请填写11位手机号，例如 13812345678' });
      return ok && Boolean(phone);
    },

    async onSubmit() {
      if (this.data.busy || !this.data.product || !this.checkMembers()) return;
      void askForNotices('insurance'); // inside the tap, before anything awaits (WeChat's rule)
      const body = {
        productId: this.data.product.id,
        // left out: the server uses the phone in the profile
        ...(this.data.useMyPhone ? {} : { applicantPhone: normalizeMobile(this.data.applicantPhone) }),
        insured: this.data.members.map((m) => ({
          name: normalizeName(m.name),
          idCard: m.idCard.trim().toUpperCase(),
          birthDate: m.birthDate,
          sex: m.sex,
          relation: m.relation,
          planCode: m.planCode,
        })),
      };
      this.setData({ busy: true });
      try {
        await api.post<Enrolment>(ENROLMENTS, body, { idempotencyKey: newIdempotencyKey() });
        wx.showToast({ title: '已提交，等待审核', icon: 'none', duration: 3000 });
        this.setData({ mode: 'view' });
        await this.load();
      } catch (err) {
        if (err instanceof ApiError && Array.isArray(err.details)) this.showMemberErrors(err.details);
      } finally {
        this.setData({ busy: false });
      }
    },

    /** Server details name `insured.<i>.<field>`; put each message under that person's field. */
    showMemberErrors(details: unknown[]) {
      const update: Record<string, string> = {};
      for (const d of details as { path?: string; message?: string }[]) {
        const m = /^insured\.(\d+)\.(\w+)$/.exec(d.path ?? '');
        if (m && d.message) update[`members[${m[1]}].errors.${m[2]}`] = d.message;
        if (d.path === 'applicantPhone' && d.message) update.phoneError = d.message;
      }
      this.setData(update);
    },

    onCancelEnrolment(e: WechatMiniprogram.BaseEvent) {
      const id = String(e.currentTarget.dataset.id);
      confirmThen(
        {
          title: '取消投保',
          content: '取消后这次登记作废，需要时可以重新登记。确定取消吗？',
          confirmText: '确定取消',
          cancelText: '不取消',
        },
        () => this.cancel(id),
      );
    },

    async cancel(id: string) {
      try {
        await api.post<Enrolment>(`${ENROLMENTS}/${id}/cancel`, {});
        wx.showToast({ title: '已取消', icon: 'success' });
        await this.load();
      } catch {
        // toast already shown
      }
    },
  },
});
