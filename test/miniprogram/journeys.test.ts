/**
 * Whole tasks as a resident does them, starting at the home page, against a fake server that keeps state the way
 * the real one does. Each test counts the taps it took (see the taps table in the README's mini-program notes).
 */
import { consent, loginOk } from './helpers/fixtures';
import { Phone } from './helpers/phone';
import { exists, fire, openPage, texts, type PageName } from './helpers/page';
import { NOTICE_TEMPLATES, useWxMock, type RecordedRequest, type Reply, type WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();
// whole journeys walk through many pages: more than the default 5 s on a busy machine
jest.setTimeout(30_000);
const TALK_ID = 'a'.repeat(24);
const ok = (data: unknown, statusCode = 200): Reply => ({ statusCode, data });
const fail = (statusCode: number, code: string, message: string): Reply => ({ statusCode, data: { error: { code, message } } });
const INSURANCE_PRODUCT = {
  id: 'p-2027',
  year: 2027,
  name: '2027年计生家庭意外伤害保险',
  insurer: '中国人寿淄博分公司',
  plans: [{ code: 'A', name: '基础保障', premiumFen: 5000, coverage: [{ item: '意外身故', amountFen: 5_000_000 }] }],
  enrolFrom: '2026-11-01',
  enrolTo: '2026-12-31',
  policyStart: '2027-01-01',
  policyEnd: '2027-12-31',
  eligibility: { description: '计生家庭成员', minAge: 0, maxAge: 80 },
  enrolOpen: true,
};
/** A valid ID number of a woman born 1968-05-04. */
const SELF_ID = '370303196805040023';

interface ResidentState {
  name: string | null;
  phone: string | null;
  villageCode: string | null;
  villageName: string | null;
  sex: 'male' | 'female' | null;
  birthYear: number | null;
  consents: ReturnType<typeof consent>[];
  registered: boolean;
}

/** The resident side of the server for one resident, with the screening rule "women aged 35–64". */
function residentServer(mock: WxMock, start: Partial<ResidentState> = {}) {
  const s: ResidentState = {
    name: null,
    phone: null,
    villageCode: null,
    villageName: null,
    sex: null,
    birthYear: null,
    consents: [],
    registered: false,
    ...start,
  };
  const complete = () => Boolean(s.name && s.phone && s.villageCode);
  const me = () => ({
    id: 'r-1',
    name: s.name,
    villageCode: s.villageCode,
    villageName: s.villageName,
    phoneMasked: s.phone ? `${s.phone.slice(0, 3)}****${s.phone.slice(7)}` : null,
    sex: s.sex,
    birthYear: s.birthYear,
    elderlyMode: false,
    profileComplete: complete(),
    consents: s.consents,
  });
  const eligibility = () => {
    if (!s.sex || !s.birthYear) return { eligible: false, code: 'PROFILE_INCOMPLETE', reason: '本场活动有年龄或性别要求，请先填写性别和出生年份' };
    if (s.sex !== 'female') return { eligible: false, code: 'NOT_ELIGIBLE', reason: '本场活动仅限女性参加' };
    const age = 2026 - s.birthYear;
    if (age < 35 || age > 64) return { eligible: false, code: 'NOT_ELIGIBLE', reason: '本场活动仅限 35–64 岁的居民参加' };
    return { eligible: true, code: null, reason: null };
  };
  const talk = () => ({
    id: TALK_ID,
    kind: 'screening',
    title: '“两癌”免费筛查',
    description: '请带身份证',
    venue: '马尚卫生院',
    areaCode: '370303-JD-MS',
    localOnly: false,
    startAt: '2099-12-01T01:30:00.000Z',
    endAt: '2099-12-01T03:30:00.000Z',
    capacity: 50,
    seatsTaken: s.registered ? 48 : 47,
    seatsLeft: s.registered ? 2 : 3,
    maxSeatsPerRegistration: 1,
    signupOpensAt: '2026-11-01T00:00:00.000Z',
    signupClosesAt: '2099-11-30T00:00:00.000Z',
    cancelCutoffAt: '2099-11-30T12:00:00.000Z',
    eligibility: { sex: 'female', minAge: 35, maxAge: 64 },
    waitlistEnabled: true,
    status: 'published',
    experts: [],
    eligibilityText: '仅限女性，35–64 岁',
  });
  mock.on('POST', '/api/v1/auth/login', () => loginOk('tok', { profileComplete: complete(), consents: s.consents }));
  mock.on('GET', '/api/v1/me', () => ok(me()));
  mock.on('PATCH', '/api/v1/me', (req: RecordedRequest) => {
    if (!s.consents.length) return fail(403, 'CONSENT_REQUIRED', '请先阅读并同意隐私保护指引');
    const body = req.data as Partial<ResidentState> & { villageCode?: string };
    if (body.villageCode) Object.assign(s, { villageCode: body.villageCode, villageName: '东村' });
    for (const k of ['name', 'phone', 'sex', 'birthYear'] as const) if (body[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = body[k];
    return ok(me());
  });
  mock.on('POST', '/api/v1/me/phone', () => {
    s.phone = '13812345678';
    return ok(me());
  });
  mock.on('POST', '/api/v1/me/consents', (req: RecordedRequest) => {
    s.consents = [consent('basic', (req.data as { policyVersion: string }).policyVersion)];
    return ok({ consents: s.consents }, 201);
  });
  mock.on('GET', '/api/v1/areas?parent=370303', ok({ items: [{ code: '370303-JD-MS', name: '马尚街道', level: 'subdistrict', parentCode: '370303' }] }));
  mock.on('GET', '/api/v1/areas?parent=370303-JD-MS', ok({ items: [{ code: '370303-JD-MS-va', name: '东村', level: 'village', parentCode: '370303-JD-MS' }] }));
  mock.on('GET', '/api/v1/talks?scope=mine', () => ok({ items: [talk()], nextCursor: null }));
  mock.on('GET', `/api/v1/talks/${TALK_ID}`, () =>
    ok({
      ...talk(),
      myRegistration: s.registered ? { registrationId: 'reg-1', status: 'confirmed', seats: 1, position: null } : null,
      myEligibility: eligibility(),
    }),
  );
  mock.on('POST', `/api/v1/talks/${TALK_ID}/registrations`, () => {
    const e = eligibility();
    if (!s.consents.length) return fail(403, 'CONSENT_REQUIRED', '请先阅读并同意相关授权');
    if (!e.eligible) return fail(e.code === 'PROFILE_INCOMPLETE' ? 400 : 403, e.code!, e.reason!);
    s.registered = true;
    return ok({ registrationId: 'reg-1', status: 'confirmed', seats: 1 }, 201);
  });
  mock.on('POST', '/api/v1/me/subscriptions', ok({ credits: {} }, 201));
  return s;
}

/** wx.requestSubscribeMessage as WeChat answers it; every template id asked for is recorded. */
function stubSubscribe(mock: WxMock): string[][] {
  const asked: string[][] = [];
  (mock.wx as Record<string, unknown>).requestSubscribeMessage = (opts: { tmplIds: string[]; success?: (r: unknown) => void }) => {
    asked.push(opts.tmplIds);
    const answer = Object.fromEntries(opts.tmplIds.map((id) => [id, 'accept']));
    (mock as unknown as { later(fn: () => void): void }).later(() => opts.success?.({ errMsg: 'requestSubscribeMessage:ok', ...answer }));
  };
  return asked;
}

describe('screening sign-up from the home page', () => {
  test('when a new resident signs up for a women-only screening, then consent, contact details and sex/birth year are asked in the flow and the sign-up finishes (12 taps, 1 typed field)', async () => {
    const mock = wxMock();
    const server = residentServer(mock);
    const asked = stubSubscribe(mock);
    const phone = await new Phone(mock).start();

    phone.snapshot('first-launch');
    await phone.tap('.card-talks');
    phone.snapshot('list');
    expect(texts(phone.page, '.talk-title')).toEqual(['“两癌”免费筛查']);
    await phone.tap('.talk');
    expect(texts(phone.page, '.who')).toEqual(['参加条件：仅限女性，35–64 岁']);
    phone.snapshot('before-signup');
    await phone.tap('.signup');
    // the notices are asked for at this tap, before anything else
    expect(asked).toEqual([['TPL-talk_reminder', 'TPL-talk_start', 'TPL-talk_status']]);
    expect(phone.top.name).toBe('privacy');
    await phone.tap('#agree-privacy', 'agreeprivacyauthorization');

    // back on the session, then straight on to the missing contact details
    expect(phone.top.name).toBe('profile');
    expect(texts(phone.page, '.need-banner')[0]).toContain('报名需要您的姓名、手机号和所在村');
    phone.snapshot('need-contact');
    await phone.type('.name-input', '王秀英');
    await phone.tap('.get-phone', 'getphonenumber', { code: 'phone-code', errMsg: 'getPhoneNumber:ok' });
    await phone.tap('.start-village');
    await phone.tap('.town');
    await phone.tap('.village');
    await phone.tap('.save');

    // the rule needs sex and birth year: asked next, on the same form
    expect(phone.top.name).toBe('profile');
    expect(texts(phone.page, '.need-banner')[0]).toContain('年龄或性别要求');
    phone.snapshot('need-sex-birth');
    await phone.tap('.sex-female');
    await phone.tap('.year-picker', 'change', { value: String(1968 - 1920) });
    await phone.tap('.save');

    expect(phone.top.name).toBe('talks/detail');
    expect(server).toMatchObject({ name: '王秀英', phone: '13812345678', villageCode: '370303-JD-MS-va', sex: 'female', birthYear: 1968, registered: true });
    expect(mock.toasts.map((t) => t.title)).toContain('报名成功');
    expect(texts(phone.page, '.status')).toEqual(['您已报名成功']);
    phone.snapshot('signed-up');
    expect(mock.requestsTo('POST', `/api/v1/talks/${TALK_ID}/registrations`)).toHaveLength(1);
    expect([phone.taps, phone.typed]).toEqual([12, 1]);
  });

  test('when a resident the rule excludes opens the session, then sign-up is greyed out with the reason (2 taps to see it)', async () => {
    const mock = wxMock();
    residentServer(mock, {
      name: '李建国',
      phone: '13900000001',
      villageCode: '370303-JD-MS-va',
      villageName: '东村',
      sex: 'male',
      birthYear: 1960,
      consents: [consent()],
    });
    const phone = await new Phone(mock).start();

    await phone.tap('.card-talks');
    await phone.tap('.talk');

    expect(exists(phone.page, '.signup')).toBe(false);
    expect(exists(phone.page, '.signup-blocked')).toBe(true);
    expect(texts(phone.page, '.blocked-reason')).toEqual(['本场活动仅限女性参加']);
    phone.snapshot('not-eligible');
    expect(mock.requestsTo('POST', `/api/v1/talks/${TALK_ID}/registrations`)).toEqual([]);
    expect(phone.taps).toBe(2);
  });

  test('when a resident with everything in place signs up, then it takes 3 taps from the home page', async () => {
    const mock = wxMock();
    residentServer(mock, {
      name: '王秀英',
      phone: '13812345678',
      villageCode: '370303-JD-MS-va',
      villageName: '东村',
      sex: 'female',
      birthYear: 1968,
      consents: [consent()],
    });
    const phone = await new Phone(mock).start();
    await phone.tap('.card-talks');
    await phone.tap('.talk');
    await phone.tap('.signup');
    expect(texts(phone.page, '.status')).toEqual(['您已报名成功']);
    expect(phone.taps).toBe(3);
  });
});

describe('a contest left half-way', () => {
  const question = (id: string) => ({ id, type: 'single', stem: `题目${id}`, options: ['A', 'B', 'C', 'D'].map((key, i) => ({ key, text: `选项${i + 1}` })) });
  const ATTEMPT = {
    id: 'att-1',
    mode: 'contest',
    contestId: 'c1',
    contestTitle: '健康素养竞赛',
    topic: null,
    createdAt: '2026-11-28T02:00:00.000Z',
    deadline: '2099-11-28T02:10:00.000Z',
    serverNow: '2099-11-28T02:00:00.000Z',
    questions: [question('q1'), question('q2'), question('q3')],
  };

  test('when the resident leaves after two answers and comes back, then the same paper opens at question 3 with the answers kept, and one submit sends all three', async () => {
    const mock = wxMock();
    mock.on('POST', '/api/v1/auth/login', loginOk('tok'));
    let saved: { questionId: string; choice: string[] }[] = [];
    let started = false;
    let submitted = false;
    const contest = () => ({
      id: 'c1',
      title: '健康素养竞赛',
      description: '',
      startAt: '',
      endAt: '',
      questionCount: 3,
      timeLimitSec: 600,
      attemptsPerDay: 1,
      attemptsTotal: 3,
      passScore: 60,
      state: 'open',
      attemptsUsed: started ? 1 : 0,
      certificateCode: null,
      openAttemptId: started && !submitted ? 'att-1' : null,
    });
    mock.on('GET', '/api/v1/quiz/contests', () => ok({ items: [contest()] }));
    mock.on('GET', '/api/v1/quiz/topics', ok({ items: [] }));
    mock.on('GET', '/api/v1/quiz/wrong-book', ok({ count: 0, items: [] }));
    mock.on('GET', '/api/v1/quiz/points', ok({ total: 0, today: 0, dailyCap: 50 }));
    mock.on('POST', '/api/v1/quiz/contests/c1/attempts', () => {
      if (started) return fail(409, 'DAILY_ATTEMPTS_USED', '今天的 1 次机会已用完，明天再来吧');
      started = true;
      return ok(ATTEMPT, 201);
    });
    mock.on('PUT', '/api/v1/quiz/attempts/att-1/answers', (req: RecordedRequest) => {
      saved = (req.data as { answers: typeof saved }).answers;
      return ok({ attemptId: 'att-1', saved: saved.length, savedAt: '2099-11-28T02:01:00.000Z', deadline: ATTEMPT.deadline });
    });
    const result = {
      attemptId: 'att-1',
      mode: 'contest',
      contestId: 'c1',
      contestTitle: '健康素养竞赛',
      score: 100,
      correct: 3,
      total: 3,
      passScore: 60,
      passed: true,
      tooFast: false,
      durationMs: 300000,
      submittedAt: '2099-11-28T02:05:00.000Z',
      pointsEarned: 10,
      certificateCode: null,
      items: [],
    };
    mock.on('GET', '/api/v1/quiz/attempts/att-1', () => ok({ attempt: ATTEMPT, result: submitted ? result : null, savedAnswers: submitted ? [] : saved }));
    mock.on('POST', '/api/v1/quiz/attempts/att-1/submit', () => {
      submitted = true;
      return ok(result);
    });
    const phone = await new Phone(mock).start();

    await phone.tap('.card-quiz');
    await phone.tap('.start-contest');
    await phone.tap(phone.page.querySelectorAll('.option')[1]!);
    await phone.wait(600); // the chosen answer shows, then the next question comes up by itself
    expect(texts(phone.page, '.progress')).toEqual(['第 2 / 3 题']);
    await phone.tap(phone.page.querySelectorAll('.option')[2]!);
    await phone.wait(600);
    expect(saved).toEqual([
      { questionId: 'q1', choice: ['B'] },
      { questionId: 'q2', choice: ['C'] },
    ]);
    await phone.back(); // a phone call; the paper is left

    expect(phone.top.name).toBe('quiz');
    expect(exists(phone.page, '.start-contest')).toBe(false);
    phone.snapshot('resume');
    await phone.tap('.resume-contest');
    expect(texts(phone.page, '.progress')).toEqual(['第 3 / 3 题']);
    phone.snapshot('resumed');
    await phone.tap(phone.page.querySelectorAll('.option')[0]!);
    await phone.tap('.submit');

    const [sent] = mock.requestsTo('POST', '/api/v1/quiz/attempts/att-1/submit');
    expect(sent!.data).toEqual({
      answers: [
        { questionId: 'q1', choice: ['B'] },
        { questionId: 'q2', choice: ['C'] },
        { questionId: 'q3', choice: ['A'] },
      ],
    });
    expect(mock.requestsTo('POST', '/api/v1/quiz/contests/c1/attempts')).toHaveLength(1);
    expect(phone.top.name).toBe('quiz-result');
  });
});

describe('notices that can arrive', () => {
  test('when each flow is started, then every notice kind the server sends is asked for with its configured template id', async () => {
    const mock = wxMock();
    residentServer(mock, {
      name: '王秀英',
      phone: '13812345678',
      villageCode: '370303-JD-MS-va',
      villageName: '东村',
      sex: 'female',
      birthYear: 1968,
      consents: [consent(), consent('child-data'), consent('insurance')],
    });
    const asked = stubSubscribe(mock);
    const phone = await new Phone(mock).start();
    await phone.tap('.card-talks');
    await phone.tap('.talk');
    await phone.tap('.signup');
    expect(asked).toHaveLength(1);

    // a referral for a child: the notices are asked for at 提交申请
    mock.on('GET', '/api/v1/referrals', ok({ items: [] }));
    mock.on(
      'POST',
      '/api/v1/referrals',
      ok(
        {
          id: 'ref-1',
          status: 'submitted',
          statusLabel: '已提交',
          childNameMasked: '李**',
          condition: 'cleft_lip',
          referredTo: null,
          surgeryDate: null,
          canWithdraw: true,
          createdAt: '2026-11-28T02:00:00.000Z',
          history: [],
        },
        201,
      ),
    );
    await phone.back();
    await phone.back();
    await phone.tap('.card-cleft');
    await phone.tap('.start');
    await phone.type('.child-name', '李小宝');
    await phone.tap('.sex-male');
    await phone.tap('.birth-picker', 'change', { value: '2026-07-10' });
    await phone.tap('.next');
    await phone.tap('.condition');
    await phone.tap('.diagnosed-no');
    await phone.tap('.next');
    await phone.tap('.relation');
    await phone.type('.guardian-phone', '13812345678');
    await phone.tap('.submit');
    expect(asked).toHaveLength(2);

    // an insurance enrolment: asked at 提交登记
    await phone.back();
    mock.on('GET', '/api/v1/insurance/products', ok({ items: [INSURANCE_PRODUCT] }));
    mock.on('GET', '/api/v1/insurance/enrolments', ok({ items: [] }));
    mock.on(
      'POST',
      '/api/v1/insurance/enrolments',
      ok(
        {
          id: 'e-1',
          productName: INSURANCE_PRODUCT.name,
          status: 'submitted',
          statusLabel: '待审核',
          totalFen: 5000,
          policyNo: null,
          reason: null,
          canCancel: true,
          insured: [],
        },
        201,
      ),
    );
    await phone.tap('.card-insurance');
    await phone.tap('.start');
    await phone.type('.member-name', '王秀英');
    await phone.type('.member-idcard', SELF_ID);
    await phone.tap('.submit');
    expect(mock.requestsTo('POST', '/api/v1/insurance/enrolments')).toHaveLength(1);

    expect(asked.flat().sort()).toEqual(NOTICE_TEMPLATES.map((t) => t.templateId).sort());
    expect(
      mock
        .requestsTo('POST', '/api/v1/me/subscriptions')
        .map((r) => (r.data as { accepted: string[] }).accepted)
        .flat()
        .sort(),
    ).toEqual(NOTICE_TEMPLATES.map((t) => t.kind).sort());
  });
});

describe('insurance from the home page', () => {
  test('when a resident enrols themself, then typing the name and ID number is all: sex, birth date and phone come from the ID and the profile (3 taps, 2 typed fields)', async () => {
    const mock = wxMock();
    residentServer(mock, {
      name: '王秀英',
      phone: '13812345678',
      villageCode: '370303-JD-MS-va',
      villageName: '东村',
      sex: 'female',
      birthYear: 1968,
      consents: [consent(), consent('insurance')],
    });
    stubSubscribe(mock);
    mock.on('GET', '/api/v1/insurance/products', ok({ items: [INSURANCE_PRODUCT] }));
    mock.on('GET', '/api/v1/insurance/enrolments', ok({ items: [] }));
    mock.on(
      'POST',
      '/api/v1/insurance/enrolments',
      ok(
        {
          id: 'e-1',
          productName: INSURANCE_PRODUCT.name,
          status: 'submitted',
          statusLabel: '待审核',
          totalFen: 5000,
          policyNo: null,
          reason: null,
          canCancel: true,
          insured: [],
        },
        201,
      ),
    );
    const phone = await new Phone(mock).start();
    await phone.tap('.card-insurance');
    await phone.tap('.start');
    await phone.type('.member-name', '王秀英');
    await phone.type('.member-idcard', SELF_ID);
    phone.snapshot('enrol-form');
    await phone.tap('.submit');
    expect(mock.requestsTo('POST', '/api/v1/insurance/enrolments')[0]!.data).toEqual({
      productId: 'p-2027',
      insured: [{ name: '王秀英', idCard: SELF_ID, birthDate: '1968-05-04', sex: 'female', relation: '本人', planCode: 'A' }],
    });
    expect([phone.taps, phone.typed]).toEqual([3, 2]);
  });
});

describe('a network failure, then 再试一次, on each page', () => {
  const NET_DOWN: Reply = { networkError: 'request:fail timeout' };
  const me = {
    id: 'r-1',
    name: '王秀英',
    villageCode: '370303-JD-MS-va',
    villageName: '东村',
    phoneMasked: '138****5678',
    sex: 'female',
    birthYear: 1968,
    elderlyMode: false,
    profileComplete: true,
    consents: [consent(), consent('insurance'), consent('child-data')],
  };
  /** Per page: the reads it makes (the first one fails once), and what must not show while it has failed. */
  const PAGES: Array<{ name: string; query?: Record<string, string>; reads: Record<string, unknown>; falseEmpty: string[] }> = [
    { name: 'talks', reads: { '/api/v1/talks?scope=mine': { items: [], nextCursor: null } }, falseEmpty: ['.empty'] },
    {
      name: 'talks/detail',
      query: { id: TALK_ID },
      reads: {
        [`/api/v1/talks/${TALK_ID}`]: {
          id: TALK_ID,
          kind: 'lecture',
          title: '讲座',
          description: '',
          venue: '卫生院',
          areaCode: '370303',
          localOnly: false,
          startAt: '2099-12-01T01:30:00.000Z',
          endAt: '2099-12-01T03:30:00.000Z',
          capacity: 5,
          seatsTaken: 0,
          seatsLeft: 5,
          maxSeatsPerRegistration: 1,
          signupOpensAt: '2026-11-01T00:00:00.000Z',
          signupClosesAt: '2099-11-30T00:00:00.000Z',
          cancelCutoffAt: '2099-11-30T12:00:00.000Z',
          eligibility: {},
          waitlistEnabled: false,
          status: 'published',
          experts: [],
          myRegistration: null,
          eligibilityText: null,
          myEligibility: { eligible: true, code: null, reason: null },
        },
      },
      falseEmpty: ['.signup'],
    },
    { name: 'talks/mine', reads: { '/api/v1/me/registrations': { items: [], nextCursor: null } }, falseEmpty: ['.empty'] },
    { name: 'me', reads: { '/api/v1/me': me }, falseEmpty: ['.who'] },
    { name: 'profile', reads: { '/api/v1/me': me }, falseEmpty: ['.name-input'] },
    {
      name: 'privacy',
      reads: { '/api/v1/policy': { version: '2026-11', title: 't', sections: [{ heading: '我们收集什么', items: [{ text: '手机号' }] }] } },
      falseEmpty: ['#agree-privacy'],
    },
    {
      name: 'quiz',
      reads: {
        '/api/v1/quiz/contests': { items: [] },
        '/api/v1/quiz/topics': { items: [] },
        '/api/v1/quiz/wrong-book': { count: 0, items: [] },
        '/api/v1/quiz/points': { total: 0, today: 0, dailyCap: 50 },
      },
      falseEmpty: ['.no-contests'],
    },
    { name: 'quiz-cert', query: { mine: '1' }, reads: { '/api/v1/quiz/certificates': { items: [] } }, falseEmpty: ['.empty'] },
    {
      name: 'insurance',
      reads: { '/api/v1/insurance/products': { items: [] }, '/api/v1/insurance/enrolments': { items: [] }, '/api/v1/me': me },
      falseEmpty: ['.no-product', '.no-enrolments', '.consent'],
    },
    {
      name: 'quiz-rank',
      query: { contestId: 'c1' },
      reads: {
        '/api/v1/quiz/contests/c1/leaderboard?scope=village': { scope: 'village', computedAt: '', participants: 0, me: null, entries: [], villages: [] },
      },
      falseEmpty: ['.empty', '.my-rank'],
    },
    {
      name: 'quiz-result',
      query: { attemptId: 'att-1' },
      reads: { '/api/v1/quiz/attempts/att-1': { attempt: { id: 'att-1' }, result: null } },
      falseEmpty: ['.not-submitted', '.score'],
    },
    {
      name: 'talks/feedback',
      query: { id: TALK_ID },
      reads: { [`/api/v1/talks/${TALK_ID}`]: { id: TALK_ID, title: '讲座', attended: true, feedbackGiven: false } },
      falseEmpty: ['.not-attended', '.star', '.thanks'],
    },
    { name: 'cleft', reads: { '/api/v1/referrals': { items: [] }, '/api/v1/me': me }, falseEmpty: ['.no-referrals', '.need-basic'] },
  ];

  test.each(PAGES)(
    'when $name cannot load, then it says so with a retry and no false empty state; 再试一次 loads it',
    async ({ name, query, reads, falseEmpty }) => {
      const mock = wxMock();
      mock.on('POST', '/api/v1/auth/login', loginOk('tok', { consents: me.consents }));
      const [first, ...rest] = Object.entries(reads);
      mock.on('GET', first![0], NET_DOWN, ok(first![1]));
      for (const [path, data] of rest) mock.on('GET', path, ok(data));
      const phone = await new Phone(mock).start();
      const page = await openPage(mock, name as PageName, query ?? {});

      expect(exists(page, '.retry')).toBe(true);
      phone.stack.push({ name: name as PageName, page });
      phone.snapshot('network-failed');
      for (const sel of falseEmpty) expect([sel, exists(page, sel)]).toEqual([sel, false]);

      await fire(mock, page, '.retry');

      expect(exists(page, '.retry')).toBe(false);
      expect(exists(page, '.load-failed')).toBe(false);
      expect(phone.taps).toBe(0);
    },
  );
});
