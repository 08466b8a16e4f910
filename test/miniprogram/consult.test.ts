import fs from 'node:fs';
import path from 'node:path';
import { launchApp } from './helpers/app';
import { errorReply, loginOk } from './helpers/fixtures';
import { exists, fire, openPage, texts, type PageName, type RenderedPage } from './helpers/page';
import { useWxMock, type WxMock } from './helpers/wx-mock';

const wxMock = useWxMock();

async function open(mock: WxMock, name: PageName) {
  mock.on('POST', '/api/v1/auth/login', loginOk('tok'));
  mock.on('GET', '/api/v1/notice-templates', { statusCode: 200, data: { items: [] } });
  await launchApp(mock);
  return openPage(mock, name);
}

/** With MP_PREVIEW_DIR set, the page as it stands, for the preview renderer. */
function dump(page: RenderedPage, name: string, label: string): void {
  const dir = process.env.MP_PREVIEW_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}__${label}.html`), page.dom.outerHTML);
}

const question = (over: Record<string, unknown> = {}) => ({
  id: 'q1',
  topic: 'pregnancy',
  topicLabel: '孕产期',
  status: 'answered',
  statusLabel: '专家已回复',
  text: '怀孕 12 周，最近总是头晕，需要去医院吗？',
  callBack: false,
  photoCount: 0,
  photosUploaded: 0,
  createdAt: '2026-11-30T02:00:00.000Z',
  dueDay: null,
  answer: {
    text: '孕早期头晕多与血压偏低有关，建议少量多餐。',
    at: '2026-12-01T02:00:00.000Z',
    expert: { name: '王医生', title: '主任医师', hospital: '张店区妇幼保健院' },
  },
  followUp: null,
  followUpAnswer: null,
  canFollowUp: true,
  canRate: true,
  rating: null,
  allowPublish: false,
  published: false,
  personalErased: false,
  ...over,
});

describe('专家咨询', () => {
  test('when a question is asked, then topic and text are checked first, then sent; a refused text keeps the words for a change', async () => {
    const mock = wxMock();
    const page = await open(mock, 'consult');
    dump(page, 'consult', 'ask');
    await fire(mock, page, '.submit');
    expect(texts(page, '.error')).toEqual(['请先选一个主题', '请写下您想问的问题']);

    await fire(mock, page, page.querySelectorAll('.topic')[1]!);
    await fire(mock, page, '.text-input', 'input', { value: '这里有违禁内容' });
    mock.on('POST', '/api/v1/consult/questions', errorReply(400, 'CONTENT_REFUSED', '内容含有不适宜发布的信息，请修改后再提交'));
    await fire(mock, page, '.submit');
    expect(mock.lastToast()).toMatchObject({ title: '内容含有不适宜发布的信息，请修改后再提交' });
    expect(page.data.text).toBe('这里有违禁内容');

    await fire(mock, page, '.want-call');
    await fire(mock, page, '.text-input', 'input', { value: '怀孕 12 周，总是头晕怎么办？' });
    await fire(mock, page, '.name-input', 'input', { value: '王阿姨' });
    await fire(mock, page, '.submit');
    expect(texts(page, '.error')).toEqual(['请填写 11 位手机号码']);
    await fire(mock, page, '.phone-input', 'input', { value: '139 5731 0001' });
    dump(page, 'consult', 'call-back');
    mock.on('POST', '/api/v1/consult/questions', { statusCode: 201, data: question({ status: 'checking', statusLabel: '内容审核中', answer: null }) });
    await fire(mock, page, '.submit');
    expect(mock.requestsTo('POST', '/api/v1/consult/questions').at(-1)!.data).toEqual({
      topic: 'pregnancy',
      text: '怀孕 12 周，总是头晕怎么办？',
      photoCount: 0,
      callBack: { name: '王阿姨', phone: '13957310001' },
    });
    expect(texts(page, '.big')).toEqual(['✓ 问题已提交']);
    dump(page, 'consult', 'sent');
    await fire(mock, page, '.to-mine');
    expect(mock.navigations.at(-1)).toMatchObject({ url: '/pages/consult/mine/index', ok: true });
  });

  test('when an answer has come, then it shows with the expert; the resident follows up once and rates it, agreeing to share', async () => {
    const mock = wxMock();
    mock.on('GET', '/api/v1/consult/questions', { statusCode: 200, data: { items: [question()] } });
    const page = await open(mock, 'consult/mine');
    expect(texts(page, '.who')).toEqual(['王医生 主任医师 · 张店区妇幼保健院']);
    expect(texts(page, '.a-text')).toEqual(['孕早期头晕多与血压偏低有关，建议少量多餐。']);
    dump(page, 'consult-mine', 'answered');

    await fire(mock, page, '.rate-send');
    expect(mock.lastToast()).toMatchObject({ title: '请点星星打分' });
    await fire(mock, page, page.querySelectorAll('.star')[3]!);
    await fire(mock, page, '.share');
    mock.on('POST', '/api/v1/consult/questions/q1/rating', { statusCode: 200, data: question({ rating: 4, canRate: false }) });
    mock.on('GET', '/api/v1/consult/questions', { statusCode: 200, data: { items: [question({ rating: 4, canRate: false })] } });
    await fire(mock, page, '.rate-send');
    expect(mock.requestsTo('POST', '/api/v1/consult/questions/q1/rating')[0]!.data).toEqual({ rating: 4, allowPublish: true });
    expect(texts(page, '.rated')).toEqual(['已评价：4 星']);

    await fire(mock, page, '.follow-input', 'input', { value: '血压 90/60 算低吗？' });
    const followed = question({
      rating: 4,
      canRate: false,
      canFollowUp: false,
      status: 'follow_up',
      statusLabel: '追问待回复',
      followUp: { text: '血压 90/60 算低吗？', at: '2026-12-01T03:00:00.000Z' },
    });
    mock.on('POST', '/api/v1/consult/questions/q1/follow-up', { statusCode: 200, data: followed });
    mock.on('GET', '/api/v1/consult/questions', { statusCode: 200, data: { items: [followed] } });
    await fire(mock, page, '.follow-send');
    expect(mock.requestsTo('POST', '/api/v1/consult/questions/q1/follow-up')[0]!.data).toEqual({ text: '血压 90/60 算低吗？' });
    expect(exists(page, '.follow-send')).toBe(false);
    expect(texts(page, '.status')).toEqual(['追问待回复']);
  });

  test('when words are searched in 常见问题, then the list is asked for them and an answer opens with a tap', async () => {
    const mock = wxMock();
    const faq = {
      id: 'f1',
      topic: 'pregnancy',
      topicLabel: '孕产期',
      question: '孕早期经常头晕，需要去医院吗？',
      answer: '多与血压、血糖偏低有关。',
      expertName: '王医生 主任医师',
      publishedAt: '2026-12-01T02:00:00.000Z',
    };
    mock.on('GET', '/api/v1/consult/faq', { statusCode: 200, data: { items: [faq], nextCursor: null } });
    const page = await open(mock, 'consult/faq');
    expect(texts(page, '.faq-q')).toEqual(['孕早期经常头晕，需要去医院吗？']);
    await fire(mock, page, '.faq');
    expect(texts(page, '.faq-a')).toEqual(['多与血压、血糖偏低有关。']);
    dump(page, 'consult-faq', 'open');

    mock.on('GET', `/api/v1/consult/faq?q=${encodeURIComponent('牙疼')}`, { statusCode: 200, data: { items: [], nextCursor: null } });
    await fire(mock, page, '.search-input', 'input', { value: '牙疼' });
    await fire(mock, page, '.search-go');
    expect(texts(page, '.empty')).toEqual(['没有找到，换几个字试试，或者直接问专家。']);
  });
});

const request = (over: Record<string, unknown> = {}) => ({
  id: 'r1',
  kind: 'neighbour_dispute',
  kindLabel: '邻里纠纷',
  status: 'replied',
  statusLabel: '已答复',
  text: '邻居家装修占用了公共通道。',
  villageCode: 'v',
  level: 'town',
  dueDay: null,
  photos: 0,
  canRate: true,
  rating: null,
  createdAt: '2026-11-30T01:00:00.000Z',
  steps: [
    { status: 'submitted', statusLabel: '已提交，待村居受理', at: '2026-11-30T01:00:00.000Z', by: '本人', reply: null, note: null, rating: null },
    {
      status: 'escalated',
      statusLabel: '已转镇街处理',
      at: '2026-12-07T02:00:00.000Z',
      by: '系统',
      reply: null,
      note: '村居 5 个工作日内未答复，已自动转镇街处理',
      rating: null,
    },
    {
      status: 'replied',
      statusLabel: '已答复',
      at: '2026-12-08T02:00:00.000Z',
      by: '马尚街道',
      reply: '已约双方调解，通道三日内清理。',
      note: null,
      rating: null,
    },
  ],
  personalErased: false,
  ...over,
});

describe('有事找村里', () => {
  test('when a request has moved, then every step shows with its date; a resident not satisfied sends it back with the rating and why', async () => {
    const mock = wxMock();
    mock.on('GET', '/api/v1/requests', { statusCode: 200, data: { items: [request()] } });
    const page = await open(mock, 'requests');
    expect(texts(page, '.step-day')).toEqual(['2026-11-30', '2026-12-07', '2026-12-08']);
    expect(texts(page, '.step-label')).toEqual(['已提交，待村居受理', '已转镇街处理', '已答复']);
    expect(texts(page, '.step-reply')).toEqual(['答复：已约双方调解，通道三日内清理。']);
    dump(page, 'requests', 'timeline');

    await fire(mock, page, page.querySelectorAll('.star')[1]!);
    await fire(mock, page, '.reopen-it');
    expect(mock.lastToast()).toMatchObject({ title: '请说一说哪里不满意' });
    await fire(mock, page, '.reason-input', 'input', { value: '通道还是没清理' });
    mock.on('POST', '/api/v1/requests/r1/reopen', {
      statusCode: 200,
      data: request({ status: 'reopened', statusLabel: '不满意，重新办理', canRate: false, rating: 2 }),
    });
    mock.on('GET', '/api/v1/requests', {
      statusCode: 200,
      data: { items: [request({ status: 'reopened', statusLabel: '不满意，重新办理', canRate: false, rating: 2 })] },
    });
    await fire(mock, page, '.reopen-it');
    expect(mock.requestsTo('POST', '/api/v1/requests/r1/reopen')[0]!.data).toEqual({ rating: 2, note: '通道还是没清理' });
    expect(exists(page, '.rate-box')).toBe(false);
  });

  test('when a request is raised, then its kind and words are sent to the village', async () => {
    const mock = wxMock();
    mock.on('GET', '/api/v1/requests', { statusCode: 200, data: { items: [] } });
    const page = await open(mock, 'requests');
    await fire(mock, page, '.start');
    await fire(mock, page, '.submit');
    expect(texts(page, '.error')).toEqual(['请选是哪一类事', '请写下您的事情']);
    await fire(mock, page, page.querySelectorAll('.kind')[2]!);
    await fire(mock, page, '.text-input', 'input', { value: '老伴住院，家里生活困难。' });
    dump(page, 'requests', 'form');
    mock.on('POST', '/api/v1/requests', {
      statusCode: 201,
      data: request({ status: 'submitted', statusLabel: '已提交，待村居受理', kind: 'hardship', canRate: false }),
    });
    await fire(mock, page, '.submit');
    expect(mock.requestsTo('POST', '/api/v1/requests')[0]!.data).toEqual({ kind: 'hardship', text: '老伴住院，家里生活困难。' });
    expect(exists(page, '.form')).toBe(false);
  });
});

describe('村规民约', () => {
  test('when the village has published its rules, then the current version is shown; otherwise the reason', async () => {
    const mock = wxMock();
    mock.on('GET', '/api/v1/village-rules', {
      statusCode: 200,
      data: {
        villageCode: 'v',
        villageName: '东村',
        version: 2,
        title: '东村村规民约',
        text: '一、爱党爱国，遵纪守法。\n二、移风易俗，婚事新办。',
        publishedAt: '2026-12-01T02:00:00.000Z',
      },
    });
    const page = await open(mock, 'village-rules');
    expect(texts(page, '.title')).toEqual(['东村村规民约']);
    expect(texts(page, '.meta')).toEqual(['东村 · 第 2 版 · 2026-12-01 发布']);
    dump(page, 'village-rules', 'current');

    const none = wxMock();
    none.on('GET', '/api/v1/village-rules', errorReply(404, 'NO_RULES', '西村还没有发布村规民约'));
    const empty = await open(none, 'village-rules');
    expect(texts(empty, '.missing')).toEqual(['西村还没有发布村规民约']);
  });
});
