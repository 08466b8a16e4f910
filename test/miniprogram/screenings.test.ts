import * as fs from 'fs';
import * as path from 'path';
import { loginOk } from './helpers/fixtures';
import { launchApp } from './helpers/app';
import { exists, fire, openPage, texts, type PageName, type RenderedPage } from './helpers/page';
import { NOTICE_TEMPLATES, useWxMock, type WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();
const TALK_ID = 'b'.repeat(24);
const RESULT_ID = 'c'.repeat(24);

/** With MP_PREVIEW_DIR set, the page as `<page>__<label>.html` for the preview renderer (../shared/tools/mp-preview.cjs). */
function dump(page: RenderedPage, name: string): void {
  const dir = process.env.MP_PREVIEW_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.html`), (page as unknown as { dom: HTMLElement }).dom.outerHTML);
}

const withScreeningNotice = {
  statusCode: 200,
  data: { items: [...NOTICE_TEMPLATES, { kind: 'screening_result', title: '检查结果已出', flow: 'screening', templateId: 'TPL-screening_result' }] },
};

function stubSubscribe(mock: WxMock) {
  const calls: string[][] = [];
  (mock.wx as Record<string, unknown>).requestSubscribeMessage = (opts: { tmplIds: string[]; success?: (r: unknown) => void }) => {
    calls.push(opts.tmplIds);
    (mock as unknown as { later(fn: () => void): void }).later(() =>
      opts.success?.({ errMsg: 'requestSubscribeMessage:ok', ...Object.fromEntries(opts.tmplIds.map((t) => [t, 'accept'])) }),
    );
  };
  return calls;
}

async function open(mock: WxMock, name: PageName, query: Record<string, string> = {}) {
  mock.on('GET', '/api/v1/notice-templates', withScreeningNotice);
  mock.on('POST', '/api/v1/auth/login', loginOk('tok'));
  await launchApp(mock);
  return openPage(mock, name, query);
}

const screeningTalk = (over: Record<string, unknown> = {}) => ({
  id: TALK_ID,
  kind: 'screening',
  title: '两癌免费筛查',
  description: '',
  venue: '马尚卫生院',
  areaCode: '370303-JD-MS',
  localOnly: false,
  startAt: '2099-12-01T01:30:00.000Z',
  endAt: '2099-12-01T03:30:00.000Z',
  capacity: 50,
  seatsTaken: 10,
  seatsLeft: 40,
  maxSeatsPerRegistration: 1,
  signupOpensAt: '2026-11-01T00:00:00.000Z',
  signupClosesAt: '2099-11-30T00:00:00.000Z',
  cancelCutoffAt: '2099-11-30T12:00:00.000Z',
  eligibility: { sex: 'female' },
  waitlistEnabled: true,
  status: 'published',
  experts: [],
  eligibilityText: '仅限女性',
  myEligibility: { eligible: true, code: null, reason: null },
  myRegistration: null,
  ...over,
});

const consentGiven = { state: 'given', stateLabel: '已同意录入', given: true, text: '……', updatedAt: '2026-11-28T02:00:00.000Z' };

describe('results consent at a screening sign-up', () => {
  test('when the consent line is ticked, then the result notice is asked for in that tap and the consent is sent after the sign-up', async () => {
    const mock = wxMock();
    const asked = stubSubscribe(mock);
    const registered = { registrationId: 'r1', status: 'confirmed', seats: 1, position: null };
    mock.on(
      'GET',
      `/api/v1/talks/${TALK_ID}`,
      { statusCode: 200, data: screeningTalk() },
      { statusCode: 200, data: screeningTalk({ myRegistration: registered }) },
    );
    mock.on('POST', '/api/v1/me/subscriptions', { statusCode: 201, data: { credits: {} } });
    mock.on('POST', `/api/v1/talks/${TALK_ID}/registrations`, { statusCode: 201, data: { registrationId: 'r1', status: 'confirmed', seats: 1 } });
    mock.on('PUT', `/api/v1/screenings/${TALK_ID}/consent`, { statusCode: 200, data: consentGiven });
    const page = await open(mock, 'talks/detail', { id: TALK_ID });
    expect(texts(page, '.results-consent-text')[0]).toContain('仅本人和负责随访的');
    expect(texts(page, '.tick')).toEqual(['☐']);
    dump(page, 'talks-detail__screening-consent');

    await fire(mock, page, '.results-consent');
    expect(texts(page, '.tick')).toEqual(['☑']);
    expect(asked).toEqual([['TPL-screening_result']]);
    await fire(mock, page, '.signup');

    const puts = mock.requestsTo('PUT', `/api/v1/screenings/${TALK_ID}/consent`);
    expect(puts.map((r) => r.data)).toEqual([{ given: true }]);
    expect(mock.requestsTo('POST', `/api/v1/talks/${TALK_ID}/registrations`)).toHaveLength(1);
    expect(exists(page, '.my-results')).toBe(true);
  });

  test('when the line is left unticked, then the sign-up goes through and no consent is sent (the result stays on paper)', async () => {
    const mock = wxMock();
    stubSubscribe(mock);
    mock.on('GET', `/api/v1/talks/${TALK_ID}`, { statusCode: 200, data: screeningTalk() });
    mock.on('POST', '/api/v1/me/subscriptions', { statusCode: 201, data: { credits: {} } });
    mock.on('POST', `/api/v1/talks/${TALK_ID}/registrations`, { statusCode: 201, data: { registrationId: 'r1', status: 'confirmed', seats: 1 } });
    const page = await open(mock, 'talks/detail', { id: TALK_ID });
    await fire(mock, page, '.signup');
    expect(mock.requestsTo('POST', `/api/v1/talks/${TALK_ID}/registrations`)).toHaveLength(1);
    expect(mock.requestsTo('PUT', `/api/v1/screenings/${TALK_ID}/consent`)).toHaveLength(0);
  });
});

const released = (over: Record<string, unknown> = {}) => ({
  id: RESULT_ID,
  programme: 'cervical',
  programmeLabel: '宫颈癌筛查',
  released: true,
  level: 'abnormal',
  levelLabel: '异常',
  items: [{ testLabel: '宫颈细胞学（TCT）', codeLabel: '高级别鳞状上皮内病变', level: 'abnormal' }],
  advice: ['结果有异常，需要到医院进一步检查。村里的随访员会尽快联系您并帮您转诊，请不要慌张，早发现早治疗效果好。'],
  followUp: {
    status: 'referred',
    statusLabel: '已转诊',
    nextStep: '请带上身份证和这次的检查报告，到下面的医院就诊。看完后请点“我已去就诊”。',
    hospital: { name: '张店区妇幼保健院', address: '张店区人民西路 1 号', phone: '0533-2222222' },
    callbackRequested: false,
    canCallBack: true,
    canConfirmWent: true,
  },
  ...over,
});
const mine = (results: unknown[], consent = consentGiven) => ({
  statusCode: 200,
  data: { items: [{ talkId: TALK_ID, title: '2026年两癌免费筛查', day: '2026-12-01', consent, results }] },
});

describe('我的检查结果', () => {
  test('when the result is not released yet, then the page says it will send a message; nothing of the result shows', async () => {
    const mock = wxMock();
    mock.on('GET', '/api/v1/me/screening-results', mine([{ id: RESULT_ID, programme: 'cervical', programmeLabel: '宫颈癌筛查', released: false }]));
    const page = await open(mock, 'screenings');
    expect(texts(page, '.screening-title')).toEqual(['2026年两癌免费筛查']);
    expect(texts(page, '.result .not-released')[0]).toContain('还没有发布');
    expect(exists(page, '.level')).toBe(false);
    expect(exists(page, '.callback')).toBe(false);
    dump(page, 'screenings__not-released');
  });

  test('when it is released, then the level, each test, the advice and the hospital show; 请回电 and 我已去就诊 reach the server', async () => {
    const mock = wxMock();
    mock.on(
      'GET',
      '/api/v1/me/screening-results',
      mine([released()]),
      mine([released({ followUp: { ...released().followUp, callbackRequested: true, canCallBack: false } })]),
      mine([
        released({
          followUp: {
            ...released().followUp,
            status: 'attended',
            statusLabel: '已就诊',
            nextStep: '您已就诊，请按医生的建议治疗和复查。',
            canConfirmWent: false,
            canCallBack: false,
            callbackRequested: true,
          },
        }),
      ]),
    );
    mock.on('POST', `/api/v1/me/screening-results/${RESULT_ID}/callback`, { statusCode: 200, data: { callbackRequested: true } });
    mock.on('POST', `/api/v1/me/screening-results/${RESULT_ID}/went`, { statusCode: 200, data: { status: 'attended', statusLabel: '已就诊' } });
    const page = await open(mock, 'screenings');
    expect(texts(page, '.level')).toEqual(['异常']);
    expect(texts(page, '.item')).toEqual(['宫颈细胞学（TCT）：高级别鳞状上皮内病变']);
    expect(texts(page, '.advice')[0]).toContain('早发现早治疗');
    expect(texts(page, '.hospital-address')).toEqual(['地址：张店区人民西路 1 号']);
    dump(page, 'screenings__released');

    await fire(mock, page, '.callback');
    expect(mock.requestsTo('POST', `/api/v1/me/screening-results/${RESULT_ID}/callback`)).toHaveLength(1);
    expect(texts(page, '.callback-asked')[0]).toContain('已请随访员回电话');
    expect(exists(page, '.callback')).toBe(false);

    await fire(mock, page, '.went');
    expect(mock.requestsTo('POST', `/api/v1/me/screening-results/${RESULT_ID}/went`)).toHaveLength(1);
    expect(texts(page, '.next-title')).toEqual(['下一步（已就诊）']);
    expect(exists(page, '.went')).toBe(false);
  });

  test('when she withdraws the consent and confirms, then the server is told and the page says the result is on paper', async () => {
    const mock = wxMock();
    const withdrawn = { ...consentGiven, state: 'withdrawn', stateLabel: '已撤回，仅纸质', given: false };
    mock.on('GET', '/api/v1/me/screening-results', mine([released()]), mine([], withdrawn));
    mock.on('PUT', `/api/v1/screenings/${TALK_ID}/consent`, { statusCode: 200, data: withdrawn });
    const page = await open(mock, 'screenings');
    await fire(mock, page, '.withdraw');
    expect(mock.requestsTo('PUT', `/api/v1/screenings/${TALK_ID}/consent`).map((r) => r.data)).toEqual([{ given: false }]);
    expect(texts(page, '.paper-only')[0]).toContain('纸质报告');
    expect(exists(page, '.give')).toBe(true);
  });
});
