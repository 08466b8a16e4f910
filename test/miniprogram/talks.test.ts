import { errorReply, loginOk } from './helpers/fixtures';
import { launchApp } from './helpers/app';
import { exists, fire, openPage, rootClasses, texts, type PageName } from './helpers/page';
import { useWxMock, type WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

const TALK_ID = 'a'.repeat(24);
const SCENE = `t=${TALK_ID}.AbCdE`;

function talk(overrides: Record<string, unknown> = {}) {
  return {
    id: TALK_ID,
    kind: 'screening',
    title: '两癌免费筛查',
    description: '请空腹，带身份证',
    venue: '马尚卫生院',
    areaCode: '370303-JD-MS',
    localOnly: false,
    startAt: '2099-12-01T01:30:00.000Z',
    endAt: '2099-12-01T03:30:00.000Z',
    capacity: 50,
    seatsTaken: 47,
    seatsLeft: 3,
    maxSeatsPerRegistration: 1,
    signupOpensAt: '2026-11-01T00:00:00.000Z',
    signupClosesAt: '2099-11-30T00:00:00.000Z',
    cancelCutoffAt: '2099-11-30T12:00:00.000Z',
    eligibility: { sex: 'female' },
    waitlistEnabled: true,
    status: 'published',
    experts: [{ id: 'e1', name: '王医生', hospital: '区妇保院', title: '主任医师', specialties: [], active: true }],
    eligibilityText: '仅限女性',
    myEligibility: { eligible: true, code: null, reason: null },
    ...overrides,
  };
}

function registration(overrides: Record<string, unknown> = {}) {
  return {
    registrationId: 'r1',
    talk: {
      id: TALK_ID,
      title: '两癌免费筛查',
      kind: 'screening',
      venue: '马尚卫生院',
      startAt: '2099-12-01T01:30:00.000Z',
      endAt: '2099-12-01T03:30:00.000Z',
      status: 'published',
      cancelCutoffAt: '2099-11-30T12:00:00.000Z',
    },
    status: 'confirmed',
    seats: 1,
    position: null,
    attended: false,
    feedbackGiven: false,
    createdAt: '2026-11-28T02:00:00.000Z',
    ...overrides,
  };
}

/** wx.requestSubscribeMessage as WeChat answers it: {[tmplId]: 'accept' | 'reject'}, recorded with what ran before. */
function stubSubscribe(mock: WxMock, answer: Record<string, string>) {
  const calls: Array<{ tmplIds: string[]; requestsBefore: number }> = [];
  (mock.wx as Record<string, unknown>).requestSubscribeMessage = (opts: { tmplIds: string[]; success?: (r: unknown) => void }) => {
    calls.push({ tmplIds: opts.tmplIds, requestsBefore: mock.requests.length });
    (mock as unknown as { later(fn: () => void): void }).later(() => opts.success?.({ errMsg: 'requestSubscribeMessage:ok', ...answer }));
  };
  return calls;
}

async function open(mock: WxMock, name: string, query: Record<string, string> = {}) {
  mock.on('POST', '/api/v1/auth/login', loginOk('tok'));
  await launchApp(mock);
  return openPage(mock, name as PageName, query);
}

describe('talks list', () => {
  test('when it opens, then upcoming sessions show with time, venue and seats; a filter reloads by kind; a tap opens the detail', async () => {
    const mock = wxMock();
    mock.on('GET', '/api/v1/talks?scope=mine', {
      statusCode: 200,
      data: { items: [talk(), talk({ id: 'b'.repeat(24), title: '孕期讲座', kind: 'lecture', seatsLeft: 0 })], nextCursor: null },
    });
    mock.on('GET', '/api/v1/talks?kind=screening&scope=mine', { statusCode: 200, data: { items: [talk()], nextCursor: null } });
    const page = await open(mock, 'talks');
    expect(texts(page, '.talk-title')).toEqual(['两癌免费筛查', '孕期讲座']);
    expect(texts(page, '.seats')).toEqual(['还剩 3 个名额', '名额已满，可以候补']);
    expect(texts(page, '.line')[0]).toBe('时间：2099-12-01 09:30');
    await fire(mock, page, page.querySelectorAll('.filter')[2]!); // 全部 讲座 [筛查]
    expect(mock.requestsTo('GET', '/api/v1/talks?kind=screening&scope=mine')).toHaveLength(1);
    expect(texts(page, '.talk-title')).toEqual(['两癌免费筛查']);
    await fire(mock, page, '.talk');
    expect(mock.navigations.pop()).toEqual({ api: 'navigateTo', url: `/pages/talks/detail/index?id=${TALK_ID}`, ok: true });
  });

  test('when elderly mode is on, then the page root carries the elder class', async () => {
    const mock = wxMock();
    mock.storage.set('elderlyMode', true);
    mock.on('GET', '/api/v1/talks?scope=mine', { statusCode: 200, data: { items: [], nextCursor: null } });
    const page = await open(mock, 'talks');
    expect(rootClasses(page)).toContain('elder');
    expect(texts(page, '.empty')).toEqual(['您村里、镇上近期没有活动，过几天再来看看。']);
  });
});

describe('check-in from the app', () => {
  test('when 扫码签到 reads the session code, then the check-in page opens with its scene; another code gets a kind word', async () => {
    const mock = wxMock();
    mock.on('GET', '/api/v1/talks?scope=mine', { statusCode: 200, data: { items: [], nextCursor: null } });
    const scans = [{ path: 'pages/talks/checkin/index?scene=t%3Daaaaaaaaaaaaaaaaaaaaaaaa.Ab3dE' }, { result: 'https://example.com' }];
    (mock.wx as Record<string, unknown>).scanCode = (opts: { onlyFromCamera?: boolean; success?: (r: unknown) => void }) => {
      expect(opts.onlyFromCamera).toBe(true);
      const r = scans.shift();
      (mock as unknown as { later(fn: () => void): void }).later(() => opts.success?.({ errMsg: 'scanCode:ok', scanType: 'WX_CODE', charSet: 'utf-8', ...r }));
    };
    const page = await open(mock, 'talks');
    await fire(mock, page, '.scan-btn');
    expect(mock.navigations.pop()).toEqual({ api: 'navigateTo', url: '/pages/talks/checkin/index?scene=t%3Daaaaaaaaaaaaaaaaaaaaaaaa.Ab3dE', ok: true });
    await fire(mock, page, '.scan-btn');
    expect(mock.navigations).toEqual([]);
    expect(mock.lastToast()?.title).toBe('这不是活动签到码，请扫会场贴的签到码');
  });
});

describe('talk detail and sign-up', () => {
  test('when 我要报名 is tapped, then reminders are asked for first (inside the tap), accepted ones reported, and the sign-up sent with an Idempotency-Key', async () => {
    const mock = wxMock();
    const calls = stubSubscribe(mock, { 'TPL-talk_reminder': 'accept', 'TPL-talk_start': 'accept', 'TPL-talk_status': 'reject' });
    mock.on(
      'GET',
      `/api/v1/talks/${TALK_ID}`,
      { statusCode: 200, data: { ...talk(), myRegistration: null } },
      { statusCode: 200, data: { ...talk({ seatsLeft: 2 }), myRegistration: { registrationId: 'r1', status: 'confirmed', seats: 1, position: null } } },
    );
    mock.on('POST', '/api/v1/me/subscriptions', { statusCode: 201, data: { credits: { talk_reminder: 1, talk_start: 1 } } });
    mock.on('POST', `/api/v1/talks/${TALK_ID}/registrations`, { statusCode: 201, data: { registrationId: 'r1', status: 'confirmed', seats: 1 } });
    const page = await open(mock, 'talks/detail', { id: TALK_ID });
    expect(texts(page, '.seats-left')).toEqual(['剩余名额：3 / 50']);
    expect(texts(page, '.expert')).toEqual(['专家：王医生（区妇保院 主任医师）']);
    const before = mock.requests.length;

    await fire(mock, page, '.signup');

    expect(calls).toEqual([{ tmplIds: ['TPL-talk_reminder', 'TPL-talk_start', 'TPL-talk_status'], requestsBefore: before }]);
    expect(mock.requestsTo('POST', '/api/v1/me/subscriptions')[0]!.data).toEqual({
      templateKeys: ['talk_reminder', 'talk_start', 'talk_status'],
      accepted: ['talk_reminder', 'talk_start'],
    });
    const [signup] = mock.requestsTo('POST', `/api/v1/talks/${TALK_ID}/registrations`);
    expect(signup!.data).toEqual({ seats: 1 });
    expect(signup!.header['Idempotency-Key']).toMatch(/^[\w-]{8,64}$/);
    expect(mock.lastToast()).toMatchObject({ title: '报名成功' });
    expect(texts(page, '.status')).toEqual(['您已报名成功']);
    expect(exists(page, '.signup')).toBe(false);
    expect(exists(page, '.cancel')).toBe(true);
  });

  test('when the session is full, then the button offers the waitlist and the toast tells the position', async () => {
    const mock = wxMock();
    stubSubscribe(mock, {});
    mock.on('GET', `/api/v1/talks/${TALK_ID}`, { statusCode: 200, data: { ...talk({ seatsLeft: 0 }), myRegistration: null } });
    mock.on('POST', '/api/v1/me/subscriptions', { statusCode: 201, data: { credits: {} } });
    mock.on('POST', `/api/v1/talks/${TALK_ID}/registrations`, { statusCode: 201, data: { registrationId: 'r1', status: 'waitlisted', seats: 1, position: 3 } });
    const page = await open(mock, 'talks/detail', { id: TALK_ID });
    expect(texts(page, '.signup')).toEqual(['名额已满，我要候补']);
    await fire(mock, page, '.signup');
    expect(mock.lastToast()).toMatchObject({ title: '已候补第 3 位' });
  });

  test('when the server refuses (not eligible), then its Chinese message is shown and the page stays usable', async () => {
    const mock = wxMock();
    stubSubscribe(mock, {});
    mock.on('GET', `/api/v1/talks/${TALK_ID}`, { statusCode: 200, data: { ...talk(), myRegistration: null } });
    mock.on('POST', '/api/v1/me/subscriptions', { statusCode: 201, data: { credits: {} } });
    mock.on('POST', `/api/v1/talks/${TALK_ID}/registrations`, errorReply(403, 'NOT_ELIGIBLE', '本场活动仅限女性参加'));
    const page = await open(mock, 'talks/detail', { id: TALK_ID });
    await fire(mock, page, '.signup');
    expect(mock.lastToast()).toMatchObject({ title: '本场活动仅限女性参加' });
    expect(page.data.busy).toBe(false);
  });

  test('when a waitlisted resident cancels and confirms, then DELETE is sent and the page reloads', async () => {
    const mock = wxMock();
    mock.on(
      'GET',
      `/api/v1/talks/${TALK_ID}`,
      { statusCode: 200, data: { ...talk(), myRegistration: { registrationId: 'r1', status: 'waitlisted', seats: 1, position: 2 } } },
      { statusCode: 200, data: { ...talk(), myRegistration: null } },
    );
    mock.on('DELETE', `/api/v1/talks/${TALK_ID}/registrations/me`, { statusCode: 200, data: { registrationId: 'r1', status: 'cancelled' } });
    const page = await open(mock, 'talks/detail', { id: TALK_ID });
    expect(texts(page, '.status')).toEqual(['您在候补名单第 2 位，有人取消会按顺序补上']);
    await fire(mock, page, '.cancel');
    expect(mock.requestsTo('DELETE', `/api/v1/talks/${TALK_ID}/registrations/me`)).toHaveLength(1);
    expect(exists(page, '.signup')).toBe(true);
  });
});

describe('my registrations', () => {
  test('when it opens, then each registration shows its status; attended ones can be rated', async () => {
    const mock = wxMock();
    mock.on('GET', '/api/v1/me/registrations', {
      statusCode: 200,
      data: {
        items: [
          registration(),
          registration({ registrationId: 'r2', status: 'waitlisted', position: 4 }),
          registration({ registrationId: 'r3', attended: true }),
        ],
        nextCursor: null,
      },
    });
    const page = await open(mock, 'talks/mine');
    expect(texts(page, '.reg-status')).toEqual(['报名成功', '候补第 4 位', '已参加']);
    await fire(mock, page, '.rate');
    expect(mock.navigations.pop()).toEqual({ api: 'navigateTo', url: `/pages/talks/feedback/index?id=${TALK_ID}`, ok: true });
  });
});

describe('check-in by scanning', () => {
  test('when opened from the code, then the scene from the launch query checks in to that session', async () => {
    const mock = wxMock();
    mock.on('POST', `/api/v1/talks/${TALK_ID}/checkin`, {
      statusCode: 200,
      data: { talkId: TALK_ID, title: '两癌免费筛查', checkedInAt: '2099-12-01T01:00:00.000Z' },
    });
    const page = await open(mock, 'talks/checkin', { scene: encodeURIComponent(SCENE) });
    expect(mock.requestsTo('POST', `/api/v1/talks/${TALK_ID}/checkin`)[0]!.data).toEqual({ scene: SCENE });
    expect(texts(page, '.big')).toEqual(['✓ 签到成功，请入座']);
  });

  test('when the server says the window is closed, then that message is shown big', async () => {
    const mock = wxMock();
    mock.on('POST', `/api/v1/talks/${TALK_ID}/checkin`, errorReply(409, 'CHECKIN_CLOSED', '签到已结束'));
    const page = await open(mock, 'talks/checkin', { scene: encodeURIComponent(SCENE) });
    expect(texts(page, '.big')).toEqual(['签到已结束']);
    expect(exists(page, '.retry')).toBe(false);
  });

  test('when the network fails, then the page says it is not checked in yet and 再试一次 checks in', async () => {
    const mock = wxMock();
    mock.on(
      'POST',
      `/api/v1/talks/${TALK_ID}/checkin`,
      { networkError: 'request:fail timeout' },
      { statusCode: 200, data: { talkId: TALK_ID, title: '两癌免费筛查', checkedInAt: '2099-12-01T01:00:00.000Z' } },
    );
    const page = await open(mock, 'talks/checkin', { scene: encodeURIComponent(SCENE) });
    expect(texts(page, '.load-failed .big')).toEqual(['网络不太好，还没有签上。']);
    expect(exists(page, '.done')).toBe(false);
    await fire(mock, page, '.retry');
    expect(mock.requestsTo('POST', `/api/v1/talks/${TALK_ID}/checkin`).map((r) => r.data)).toEqual([{ scene: SCENE }, { scene: SCENE }]);
    expect(texts(page, '.big')).toEqual(['✓ 签到成功，请入座']);
    expect(exists(page, '.retry')).toBe(false);
  });

  test('when the code is not a check-in code, then nothing is sent', async () => {
    const mock = wxMock();
    const page = await open(mock, 'talks/checkin', { scene: 'hello' });
    expect(mock.requests.filter((r) => r.path.includes('/checkin'))).toEqual([]);
    expect(texts(page, '.big')).toEqual(['这个二维码不是活动签到码']);
  });
});

describe('feedback', () => {
  const detail = (over: Record<string, unknown> = {}) => ({
    statusCode: 200,
    data: { ...talk(), myRegistration: null, attended: true, feedbackGiven: false, ...over },
  });

  test('when a rating and comment are submitted, then both are sent and a held comment is explained', async () => {
    const mock = wxMock();
    mock.on('GET', `/api/v1/talks/${TALK_ID}`, detail());
    mock.on('POST', `/api/v1/talks/${TALK_ID}/feedback`, { statusCode: 201, data: { rating: 4, commentState: 'review' } });
    const page = await open(mock, 'talks/feedback', { id: TALK_ID });
    await fire(mock, page, '.submit');
    expect(mock.lastToast()).toMatchObject({ title: '请先点星星打分' });
    await fire(mock, page, page.querySelectorAll('.star')[3]!);
    expect(texts(page, '.rating-word')).toEqual(['满意']);
    await fire(mock, page, '.comment', 'input', { value: '讲得很清楚' });
    await fire(mock, page, '.submit');
    const [sent] = mock.requestsTo('POST', `/api/v1/talks/${TALK_ID}/feedback`);
    expect(sent!.data).toEqual({ rating: 4, comment: '讲得很清楚' });
    expect(sent!.header['Idempotency-Key']).toBeTruthy();
    expect(texts(page, '.held')).toEqual(['您的留言需要工作人员看过后再显示。']);
  });

  test('when the session cannot be read, then loading gives way to 再试一次, which shows the form for the session', async () => {
    const mock = wxMock();
    mock.on('GET', `/api/v1/talks/${TALK_ID}`, { networkError: 'request:fail timeout' }, detail());
    const page = await open(mock, 'talks/feedback', { id: TALK_ID });
    expect(exists(page, '.loading')).toBe(false);
    expect(exists(page, '.star')).toBe(false);
    expect(texts(page, '.load-failed')[0]).toContain('网络不太好，没有加载出来。');
    await fire(mock, page, '.retry');
    expect(texts(page, '.talk-title')).toEqual(['两癌免费筛查']);
    expect(page.querySelectorAll('.star')).toHaveLength(5);
    expect(exists(page, '.load-failed')).toBe(false);
  });

  test('when I did not check in, or rated already, then the page says so instead of offering stars', async () => {
    const mock = wxMock();
    mock.on('GET', `/api/v1/talks/${TALK_ID}`, detail({ attended: false }), detail({ feedbackGiven: true }));
    const page = await open(mock, 'talks/feedback', { id: TALK_ID });
    expect(texts(page, '.not-attended .big')).toEqual(['还不能评价']);
    expect(exists(page, '.star')).toBe(false);
    const again = await openPage(mock, 'talks/feedback', { id: TALK_ID });
    expect(texts(again, '.already')).toEqual(['这场活动您已经评价过了。']);
    expect(exists(again, '.star')).toBe(false);
    expect(mock.requestsTo('POST', `/api/v1/talks/${TALK_ID}/feedback`)).toHaveLength(0);
  });
});
